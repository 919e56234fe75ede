#!/usr/bin/python3
"""Activation faults: a flipguard campaign trial against a PyTorch forward-hook injector doing the same trial,
same machine, same images, batch and threads, run alternately so that both meet the same machine load.

  bench/activation_vs_pytorch.py [--models resnet20,resnet50] [--images 64] [--bers 1e-6,1e-8] [--trials 3]
                                 [--rounds 3] [--batch 16] [--threads 2] [--layout channels_last|nchw]
                                 [--flipguard build/flipguard] [--out results.json]

The trial: every value flipguard's activation site selects (`--tensors all`: what the nodes write after its
fusions, `flipguard inspect-model --site activations`) is stored in fp32, and every stored bit flips with
probability BER, drawn anew for every image; all the images are scored.

flipguard: `flipguard campaign` (site activations, format fp32, protection none, the BERs, --trials trials per
BER); its per-trial time is the record's seconds_faults + seconds_inference (model loading, calibration and the
clean pass excluded).

PyTorch: the nn.Module itself (ResNet-20: the CIFAR-10 network of the assets as scripts/convert builds it;
ResNet-50: torchvision's, seeded random weights and BatchNorm statistics, exported to ONNX for flipguard), in
eval mode, BatchNorm folded into the convolutions (as flipguard runs it: PyTorch at its fastest), inference_mode,
--layout channels_last by default. Forward hooks catch each selected value where the module writes it (module
outputs, and functional ops inside forward() through a TorchFunctionMode: scripts/reference/module_replay.py
places the values by the ONNX exporter's node names); each hook draws its batch's flip count from
Binomial(elements x 32, BER) with numpy, the positions uniformly, and XORs them into the float32 words through an
int32 view (np.bitwise_xor.at), in place, as PyTorchFI would. The draw per batch has the law of the per-image
draws summed; positions are drawn with replacement (a repeat at these rates is a few in a million trials).
Per-trial time: the trial's loop (sampling, XOR, inference, scoring). Also timed: the same images through the
module with no hooks at all (what any hook-based injector costs at least).

Every round runs flipguard, then PyTorch, for every model; the ratio is PyTorch's per-trial time over
flipguard's. Per round the means of its trials are printed; the summary gives each side's median and minimum
over all trials and the ratios of both. Numbers depend on the machine and its load: other work only adds time,
so on a busy machine the minima are the better estimate of each side's cost; run it where nothing else runs,
or read the rounds' spread. On a machine shared with other work, --threads 1 is far steadier: two threads of
either side spin at barriers while a sibling waits for a core (a ResNet-20 trial took 0.15 to 3 s at two
threads and 37 to 56 ms at one, load average 7 to 11 on 2 cores).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
sys.path.insert(0, HERE)
import module_replay as mr  # noqa: E402
from activation_replay import read_values  # noqa: E402
from campaign_pytorch import load_images, load_sidecar, score_top1  # noqa: E402

TORCHVISION_224 = {  # torchvision's ImageNet preprocessing, for the ResNet-50 images
    "input": {"channels": 3, "height": 224, "width": 224},
    "output": {"label_offset": 0},
    "preprocess": {"resize_shorter": 256, "crop": [224, 224], "channel_order": "RGB", "scale": 1 / 255,
                   "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
}


class HookInjector:
    """BER on the stored fp32 words of the selected values of `module`, by forward hooks."""

    def __init__(self, module: torch.nn.Module, onnx_path: str, values: List[str], probe: torch.Tensor,
                 layout: torch.memory_format):
        self.module = copy.deepcopy(module).eval()
        self.namer = mr.CallNamer(self.module)
        self.placed, calls = mr.place_values(self.namer, probe[:1], mr.onnx_node_outputs(onnx_path), values)
        self.folded = mr.fold_batchnorm(calls)
        del calls
        self.module = self.module.to(memory_format=layout)
        self.layout = layout
        self.rng = np.random.default_rng(0)
        self.ber = 0.0
        self.flips = 0

    def _inject(self, name: str, y: torch.Tensor, inputs) -> torch.Tensor:
        if name not in self.placed:
            return y
        bits = y.numel() * 32
        k = int(self.rng.binomial(bits, self.ber))
        if k == 0:
            return y
        if y.is_contiguous():
            flat = y.reshape(-1)
        elif y.dim() == 4 and y.is_contiguous(memory_format=torch.channels_last):
            flat = y.permute(0, 2, 3, 1).reshape(-1)  # the storage in memory order, still a view
        else:
            y = y.contiguous()
            flat = y.reshape(-1)
        pos = self.rng.integers(0, bits, size=k, dtype=np.int64)
        words = flat.numpy().view(np.uint32)
        np.bitwise_xor.at(words, pos >> 5, np.left_shift(np.uint32(1), (pos & 31).astype(np.uint32)))
        self.flips += k
        return y

    def trial(self, x: torch.Tensor, y: torch.Tensor, batch: int, ber: float, seed: int) -> Tuple[int, int]:
        """One trial over all of x: (correct images, flips)."""
        self.rng, self.ber, self.flips = np.random.default_rng(seed), ber, 0
        correct = 0
        with torch.inference_mode(), self.namer.forward(self._inject):
            for s in range(0, x.shape[0], batch):
                logits = self.module(x[s:s + batch].contiguous(memory_format=self.layout))
                correct += score_top1(logits, y[s:s + batch])
        return correct, self.flips

    def bare(self, x: torch.Tensor, y: torch.Tensor, batch: int) -> int:
        """The same images with no hook active (the namer's hooks return at once outside a forward block)."""
        correct = 0
        with torch.inference_mode():
            for s in range(0, x.shape[0], batch):
                correct += score_top1(self.module(x[s:s + batch].contiguous(memory_format=self.layout)),
                                      y[s:s + batch])
        return correct


def flipguard_values(binary: str, model: str) -> List[str]:
    text = subprocess.run([binary, "inspect-model", "--model", model, "--site", "activations"], check=True,
                          capture_output=True, text=True, cwd=ROOT).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        return read_values(f.name)
    finally:
        os.remove(f.name)


def prepare(name: str, images: int, tmp: str):
    """(flipguard's --model, the nn.Module, the ONNX path, x, y) of a benchmark model; the images are also
    written as x.npy / y.npy for flipguard, so both sides read the same float32 inputs."""
    if name == "resnet20":
        model = os.path.join(ROOT, "models", "resnet20.json")
        spec = load_sidecar(model)
        x, y = load_images(spec, "cifar10-lossless200", images, "")
        module, onnx_path = mr.load_module("resnet20"), spec["_onnx_path"]
    elif name == "resnet50":
        module = mr.torchvision_model("resnet50", classes=1000, seed=0)
        onnx_path = model = os.path.join(tmp, "resnet50.onnx")
        mr.export_onnx(module, (224, 224), onnx_path, keep_batchnorm=True)
        x, y = load_images(TORCHVISION_224, "imagenet-val1300", images, "")
    else:
        raise SystemExit(f"--models: {name!r}: expected resnet20 or resnet50")
    np.save(os.path.join(tmp, f"{name}_x.npy"), x.numpy())
    np.save(os.path.join(tmp, f"{name}_y.npy"), y.numpy().astype(np.int64))
    return model, module, onnx_path, x, y


def flipguard_round(binary: str, name: str, model: str, tmp: str, args, rnd: int) -> Dict:
    """One flipguard campaign: per BER, its trials' seconds and flips, and the process's wall time."""
    results = os.path.join(tmp, f"{name}-fg-{rnd}.jsonl")
    config = os.path.join(tmp, f"{name}-fg.toml")
    with open(config, "w") as f:
        f.write(f'model = "{model}"\ndata = "{tmp}/{name}_x.npy"\nlabels = "{tmp}/{name}_y.npy"\n'
                f'site = "activations"\ntensors = "all"\nformats = ["fp32"]\nprotections = ["none"]\n'
                f'bers = [{", ".join(args.bers)}]\ntrials = {args.trials}\nseed = {args.seed}\n'
                f'batch = {args.batch}\nthreads = {args.threads}\nresults = "{results}"\n')
    t0 = time.perf_counter()
    r = subprocess.run([binary, "campaign", "--config", config], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"flipguard campaign failed:\n{r.stdout}{r.stderr}")
    out: Dict = {"wall": wall, "cells": {}}
    with open(results) as f:
        for line in f:
            rec = json.loads(line)
            cell = out["cells"].setdefault(float(rec["ber"]), {"seconds": [], "flips": [], "top1": []})
            cell["seconds"].append(rec["seconds_faults"] + rec["seconds_inference"])
            cell["flips"].append(rec["flips"])
            cell["top1"].append(100.0 * rec["top1"] / rec["images"])
    return out


def torch_round(inj: HookInjector, x, y, args) -> Dict:
    out: Dict = {"cells": {}}
    t0 = time.perf_counter()
    clean = inj.bare(x, y, args.batch)
    out["bare_seconds"] = time.perf_counter() - t0
    out["cells"][0.0] = {"seconds": [out["bare_seconds"]], "flips": [0], "top1": [100.0 * clean / len(y)]}
    for bi, ber in enumerate(float(b) for b in args.bers):
        cell = out["cells"].setdefault(ber, {"seconds": [], "flips": [], "top1": []})
        for t in range(args.trials):
            t0 = time.perf_counter()
            correct, flips = inj.trial(x, y, args.batch, ber, args.seed * 1_000_003 + bi * 10_007 + t)
            cell["seconds"].append(time.perf_counter() - t0)
            cell["flips"].append(flips)
            cell["top1"].append(100.0 * correct / len(y))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="resnet20,resnet50")
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--bers", default="1e-6,1e-8")
    p.add_argument("--trials", type=int, default=3, help="trials per BER and round, on each side")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--layout", choices=("channels_last", "nchw"), default="channels_last")
    p.add_argument("--flipguard", default=os.environ.get("FLIPGUARD_BINARY", os.path.join(ROOT, "build",
                                                                                           "flipguard")))
    p.add_argument("--out", help="write every round's numbers as JSON")
    args = p.parse_args()
    args.bers = [b.strip() for b in args.bers.split(",") if b.strip()]
    if not os.path.exists(args.flipguard):
        raise SystemExit(f"{args.flipguard}: no flipguard CLI (build it, or pass --flipguard)")
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    layout = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "?")
    print(f"machine: {os.cpu_count()} cores ({cpu}), load average {os.getloadavg()[0]:.1f} at the start; "
          f"torch {torch.__version__}, {args.threads} threads both sides, batch {args.batch}, "
          f"{args.images} images, fp32, BER {', '.join(args.bers)}, {args.trials} trials per BER and round, "
          f"PyTorch layout {args.layout}")
    report = {"args": {k: v for k, v in vars(args).items()}, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        setups = {}
        for name in args.models.split(","):
            model, module, onnx_path, x, y = prepare(name, args.images, tmp)
            values = flipguard_values(args.flipguard, model)
            inj = HookInjector(module, onnx_path, values, x, layout)
            inj.bare(x[: args.batch], y[: args.batch], args.batch)  # warm-up (allocator, oneDNN primitives)
            setups[name] = (model, inj, x, y)
            report["models"][name] = {"values": len(values), "rounds": []}
            print(f"{name}: {len(values)} values ({len(inj.placed)} placed on module calls, {inj.folded} "
                  f"BatchNorms folded), {x.shape[0]} images {list(x.shape[1:])}")
        for rnd in range(args.rounds):
            for name, (model, inj, x, y) in setups.items():
                fg = flipguard_round(args.flipguard, name, model, tmp, args, rnd)
                th = torch_round(inj, x, y, args)
                report["models"][name]["rounds"].append({"flipguard": fg, "torch": th,
                                                         "load": os.getloadavg()[0]})
                parts = []
                for b in args.bers:
                    ber = float(b)
                    f_ms = 1000 * statistics.mean(fg["cells"][ber]["seconds"])
                    t_ms = 1000 * statistics.mean(th["cells"][ber]["seconds"])
                    parts.append(f"BER {b}: flipguard {f_ms:.0f} ms, PyTorch {t_ms:.0f} ms, {t_ms / f_ms:.2f}x")
                print(f"round {rnd} {name}: " + "; ".join(parts) +
                      f"; PyTorch without hooks {1000 * th['bare_seconds']:.0f} ms; flipguard process "
                      f"{fg['wall']:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    # Load from other work only ever adds time: the minimum over all trials is the least disturbed estimate of
    # each side's cost, the median the typical one; both ratios are printed.
    print("\nper trial over all rounds' trials: median and minimum of each side, and their ratios (PyTorch / "
          "flipguard)")
    print(f"{'model':10}{'BER':>7}{'flipguard ms':>17}{'PyTorch ms':>17}{'ratio':>15}{'PyTorch bare ms':>18}"
          f"{'flips/trial':>17}{'top-1 %':>15}")
    print(f"{'':17}{'median   min':>17}{'median   min':>17}{'median   min':>15}{'median   min':>18}"
          f"{'fg | torch':>17}{'fg | torch':>15}")
    for name, m in report["models"].items():
        bare = [r["torch"]["bare_seconds"] for r in m["rounds"]]
        for b in args.bers:
            ber = float(b)
            f = sum((r["flipguard"]["cells"][ber]["seconds"] for r in m["rounds"]), [])
            t = sum((r["torch"]["cells"][ber]["seconds"] for r in m["rounds"]), [])
            flips = [statistics.mean(sum((r[s]["cells"][ber]["flips"] for r in m["rounds"]), []))
                     for s in ("flipguard", "torch")]
            top1 = [statistics.mean(sum((r[s]["cells"][ber]["top1"] for r in m["rounds"]), []))
                    for s in ("flipguard", "torch")]
            fm, fmin, tm, tmin = statistics.median(f), min(f), statistics.median(t), min(t)
            print(f"{name:10}{b:>7}{1000 * fm:9.0f}{1000 * fmin:8.0f}{1000 * tm:9.0f}{1000 * tmin:8.0f}"
                  f"{tm / fm:8.2f}x{tmin / fmin:6.2f}x{1000 * statistics.median(bare):10.0f}{1000 * min(bare):8.0f}"
                  f"{flips[0]:9.1f} | {flips[1]:<7.1f}{top1[0]:7.1f} | {top1[1]:<6.1f}")
        print(f"{'':10}({len(f)} trials per side and BER, {len(m['rounds'])} rounds)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, default=str)


if __name__ == "__main__":
    main()
