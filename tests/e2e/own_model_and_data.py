#!/usr/bin/python3
"""Your own model and data, end to end, as the README walks through it: a PyTorch model exported with
torch.onnx.export, a folder of JPEGs in class subfolders (40 CIFAR-10 test images), flipguard eval and
flipguard campaign on them, checked against independent computations:
- clean Top-1 equals PyTorch's on the same decoded images (PIL decoding, the same preprocessing);
- SDC-1, SDC-5, Top-1 and the logit error of a trial with known faults (every bit of one convolution's
  weights stuck at 0, i.e. the layer zeroed) equal PyTorch's with that layer zeroed;
- the report's SDC-1 means are the records' means, recomputed here;
- a folder without class subfolders is scored by SDC alone (no Top-1 in its records).

  own_model_and_data.py FLIPGUARD_BINARY
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import torch
from PIL import Image

SOURCE = os.environ.get("FLIPGUARD_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "scripts", "convert"))
import torch_resnet_cifar  # noqa: E402  (the network definition and checkpoint loader)

ASSETS = os.environ.get("FLIPGUARD_ASSETS", os.path.join(SOURCE, "..", "shared", "assets"))
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PER_CLASS = 4
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float64)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float64)


def fail(message: str) -> None:
    raise SystemExit("FAIL: " + message)


def run(binary: str, *args: str) -> str:
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"flipguard {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p.stdout


def export(model: torch.nn.Module, path: str) -> None:
    """The README's export: eval mode, a dummy input, named input and output, a free batch size."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), torch.zeros(1, 3, 32, 32), path, opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def write_sidecar(path: str, onnx_name: str) -> None:
    spec = {
        "name": "my-resnet",
        "onnx": onnx_name,
        "input": {"name": "input", "channels": 3, "height": 32, "width": 32},
        "output": {"name": "logits", "classes": 10, "label_offset": 0},
        "preprocess": {"resize_shorter": 0, "resize_to": [0, 0], "crop": [0, 0], "channel_order": "RGB",
                       "scale": 1 / 255, "mean": MEAN.tolist(), "std": STD.tolist()},
    }
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)


def inputs(paths) -> torch.Tensor:
    """PIL decoding and the sidecar's preprocessing, in double precision, rounded once to float."""
    xs = []
    for p in paths:
        a = np.asarray(Image.open(p).convert("RGB"), dtype=np.float64)
        xs.append(((a * (1 / 255) - MEAN) / STD).transpose(2, 0, 1))
    return torch.tensor(np.stack(xs), dtype=torch.float32)


def sdc_counts(faulty: torch.Tensor, clean: torch.Tensor):
    f_top = faulty.argmax(1)
    sdc1 = int((f_top != clean.argmax(1)).sum())
    top5 = clean.topk(5, dim=1).indices
    sdc5 = int((~(top5 == f_top[:, None]).any(1)).sum())
    d = (faulty.double() - clean.double())
    return sdc1, sdc5, float(d.abs().max()), float(d.norm() / clean.double().norm())


def records(path: str):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="flipguard-own-")
    try:
        # 1. The model: a PyTorch network with its trained weights, exported to ONNX.
        model = torch_resnet_cifar.load(20, ASSETS)
        export(model, os.path.join(work, "m.onnx"))
        write_sidecar(os.path.join(work, "m.json"), "m.onnx")
        sidecar = os.path.join(work, "m.json")

        # 2. The data: class subfolders, sorted names = label order (CIFAR-10's own order here).
        imgs = os.path.join(work, "imgs")
        paths, labels = [], []
        for label, cls in enumerate(CLASSES):
            os.makedirs(os.path.join(imgs, cls))
            for i in range(PER_CLASS):
                dst = os.path.join(imgs, cls, f"{i:04d}.jpg")
                shutil.copy(os.path.join(ASSETS, "cifar10", "test-jpeg", cls, f"{i:04d}.jpg"), dst)
                paths.append(dst)
                labels.append(label)
        x = inputs(paths)
        y = torch.tensor(labels)
        with torch.no_grad():
            clean = model(x)
        torch_top1 = int((clean.argmax(1) == y).sum())

        # 3. Clean accuracy: flipguard eval equals PyTorch on the same images.
        out = run(binary, "eval", "--model", sidecar, "--data", imgs)
        m = re.search(r"top-1 +([0-9.]+) %", out)
        if not m:
            fail("no top-1 in eval output:\n" + out)
        if abs(float(m.group(1)) - 100 * torch_top1 / len(paths)) > 1e-9:
            fail(f"eval top-1 {m.group(1)} % but PyTorch {100 * torch_top1 / len(paths):.2f} %")
        if "folder:imgs, 40 images" not in out:
            fail("eval does not name the data and its image count:\n" + out)
        print(f"clean top-1: flipguard {m.group(1)} %, PyTorch {100 * torch_top1 / len(paths):.2f} %")

        # 4. Known faults: every bit of one convolution's stored weights stuck at 0 zeroes that layer.
        graph = onnx.load(os.path.join(work, "m.onnx")).graph
        conv_weights = [n.input[1] for n in graph.node if n.op_type == "Conv"]
        convs = [mod for mod in model.modules() if isinstance(mod, torch.nn.Conv2d)]
        if len(conv_weights) != len(convs):
            fail(f"{len(conv_weights)} Conv nodes for {len(convs)} Conv2d modules")
        k = 14  # layer3.0.conv2: deep enough to change some predictions, not all
        results = os.path.join(work, "known.jsonl")
        run(binary, "campaign", "--model", sidecar, "--data", imgs, "--formats", "fp32", "--protections", "none",
            "--bers", "1", "--fault", "stuck0", "--tensors", "^" + re.escape(conv_weights[k]) + "$",
            "--trials", "1", "--results", results)
        faulty_record = [r for r in records(results) if r["ber"] > 0][0]
        with torch.no_grad():
            convs[k].weight.zero_()
            faulty = model(x)
        sdc1, sdc5, max_abs, rel_l2 = sdc_counts(faulty, clean)
        got = (faulty_record["sdc1"], faulty_record["sdc5"], faulty_record["top1"])
        want = (sdc1, sdc5, int((faulty.argmax(1) == y).sum()))
        print(f"known faults ({conv_weights[k]} zeroed): flipguard sdc1, sdc5, top1 = {got}, PyTorch {want}; "
              f"max |delta| {faulty_record['logit_max_abs']:.6g} vs {max_abs:.6g}, "
              f"relative L2 {faulty_record['logit_rel_l2']:.6g} vs {rel_l2:.6g}")
        if got != want:
            fail(f"SDC-1, SDC-5, Top-1 {got} but PyTorch gives {want}")
        if sdc1 == 0 or sdc1 == len(paths):
            fail(f"the zeroed layer changed {sdc1} of {len(paths)} predictions: not a discriminating check")
        if abs(faulty_record["logit_max_abs"] - max_abs) > 1e-3 * max_abs:
            fail(f"max |delta logit| {faulty_record['logit_max_abs']} but PyTorch {max_abs}")
        if abs(faulty_record["logit_rel_l2"] - rel_l2) > 1e-3 * rel_l2:
            fail(f"relative L2 {faulty_record['logit_rel_l2']} but PyTorch {rel_l2}")

        # 5. A random-fault campaign and its report: the report's SDC-1 means are the records' means.
        results = os.path.join(work, "campaign.jsonl")
        run(binary, "campaign", "--model", sidecar, "--data", imgs, "--formats", "q2.5", "--protections",
            "none,scale", "--bers", "1e-3", "--trials", "3", "--results", results)
        recs = records(results)
        with open(os.path.join(work, "campaign-report", "summary.csv")) as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            cell = [r for r in recs if r["protection"] == row["protection"] and r["ber"] == float(row["ber"])]
            mean = sum(100 * r["sdc1"] / r["images"] for r in cell) / len(cell)
            if abs(float(row["sdc1_mean"]) - mean) > 1e-6:
                fail(f"summary.csv sdc1_mean {row['sdc1_mean']} but the records give {mean}")
            if row["labelled"] != "yes" or row["top1_mean"] == "n/a":
                fail("labelled data lost its Top-1 columns")
        print("report SDC-1 means match the records: " +
              ", ".join(f"{r['protection']} {r['ber']}: {float(r['sdc1_mean']):.1f} %" for r in rows))

        # 6. Images without labels: SDC only, never a Top-1.
        flat = os.path.join(work, "unlabelled")
        os.makedirs(flat)
        for p in paths[::4]:
            shutil.copy(p, os.path.join(flat, os.path.basename(os.path.dirname(p)) + ".jpg"))
        results = os.path.join(work, "unlabelled.jsonl")
        run(binary, "campaign", "--model", sidecar, "--data", flat, "--formats", "q2.5", "--protections", "none",
            "--bers", "1e-3", "--trials", "2", "--results", results)
        for r in records(results):
            if "top1" in r or r.get("labelled") is not False or "sdc1" not in r:
                fail("a record of unlabelled data: " + json.dumps(r))
        with open(os.path.join(work, "unlabelled-report", "summary.md")) as f:
            md = f.read()
        if "Top-1 accuracy (%)" in md or "SDC-1" not in md:
            fail("the report of unlabelled data shows Top-1 or no SDC-1")
        print("unlabelled data: SDC only")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
