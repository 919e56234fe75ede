#!/usr/bin/python3
"""Independent reference evaluator for the project's ONNX models (torch interpreter + PIL preprocessing).

  onnx_reference.py eval   --model models/resnet50.json [--data NAME] [--limit N] [--batch B]
  onnx_reference.py logits --model models/resnet50.json --data NAME --indices 0,1,2 --out logits.npy

  onnx_reference.py replay --model models/resnet20.json (--data NAME --indices 0,1,2 | --inputs x.npy)
                          --format fp16 [--protection nanguard] --values VALUES.txt [--faults faults.jsonl]
                          --out logits.npy

`eval` prints Top-1/Top-5 with image counts; `logits` writes float32 [len(indices), classes] for cross-checks;
`replay` writes the logits of a `flipguard run --site activations` from its value list (`flipguard
inspect-model --site activations`, as printed or one name a line) and its `--dump-faults` file: every listed
value rounded to --format where it is written, the dumped faults set, and with nanguard every non-finite
element of a listed value zeroed (activation_replay.py). Row n of the run is the n-th of --indices (give the
run's images in dataset order) or of --inputs (model inputs, as `flipguard run --data x.npy` reads them).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from activation_replay import FORMATS, PROTECTIONS, ActivationReplay, read_faults, read_values  # noqa: E402
from datasets import DATASETS, load_dataset, preprocess  # noqa: E402
from interpreter import OnnxReference  # noqa: E402


def load_sidecar(path: str) -> dict:
    try:
        with open(path) as f:
            spec = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"{path}: cannot read sidecar: {e}")
    for key in ("onnx", "input", "output", "preprocess"):
        if key not in spec:
            raise SystemExit(f"{path}: sidecar lacks '{key}'")
    spec["_onnx_path"] = os.path.join(os.path.dirname(os.path.abspath(path)), spec["onnx"])
    return spec


def batches(spec, items, batch):
    inp = spec["input"]
    c, h, w = int(inp["channels"]), int(inp["height"]), int(inp["width"])
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        x = np.stack([preprocess(load(), spec["preprocess"], c, h, w) for load, _, _ in chunk])
        yield torch.from_numpy(x), np.array([label for _, label, _ in chunk])


def cmd_eval(args):
    spec = load_sidecar(args.model)
    data = args.data or spec.get("dataset")
    if not data:
        raise SystemExit(f"{args.model}: no 'dataset' in the sidecar: pass --data")
    items = load_dataset(data, args.assets)
    if args.limit:
        items = items[: args.limit]
    model = OnnxReference(spec["_onnx_path"])
    offset = int(spec["output"].get("label_offset", 0))
    top1 = top5 = nonfinite = 0
    t0 = time.time()
    for x, labels in batches(spec, items, args.batch):
        logits = model.run(x).numpy()
        nonfinite += int((~np.isfinite(logits)).any(axis=1).sum())
        order = np.argsort(-logits, axis=1, kind="stable")[:, :5]
        target = labels + offset
        top1 += int((order[:, 0] == target).sum())
        top5 += int((order == target[:, None]).any(axis=1).sum())
    n = len(items)
    ref = spec.get("reference_top1", {}).get(data)
    print(f"{spec.get('name', args.model)} on {data}: Top-1 {100.0 * top1 / n:.2f}% ({top1}/{n})  "
          f"Top-5 {100.0 * top5 / n:.2f}% ({top5}/{n})  non-finite {nonfinite}  "
          f"[{time.time() - t0:.0f}s]" + (f"  reference Top-1 {ref}" if ref is not None else ""))


def parse_indices(text: str, count: int) -> list:
    """--indices as a list of dataset indices, each checked against the dataset's size."""
    try:
        idx = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"--indices {text!r}: expected comma-separated integers")
    bad = [i for i in idx if not 0 <= i < count]
    if bad:
        raise SystemExit(f"--indices: {bad} out of range for {count} items")
    return idx


def cmd_logits(args):
    spec = load_sidecar(args.model)
    items = load_dataset(args.data or spec["dataset"], args.assets)
    idx = parse_indices(args.indices, len(items))
    model = OnnxReference(spec["_onnx_path"])
    chosen = [items[i] for i in idx]
    out = [model.run(x).numpy() for x, _ in batches(spec, chosen, args.batch)]
    logits = np.concatenate(out).astype(np.float32)
    np.save(args.out, logits)
    print(f"wrote {args.out}: {logits.shape[0]}x{logits.shape[1]} logits; labels "
          f"{[label for _, label, _ in chosen]}; top-1 {logits.argmax(1).tolist()}")


def cmd_replay(args):
    """The logits of a flipguard activation-fault run, recomputed from its value list and fault dump, so that
    they can be compared with the run's own (scripts/reference/test_activation_replay.py)."""
    # A bare .onnx (flipguard run --model file.onnx) has no sidecar: its inputs must come ready-made.
    if args.model.endswith(".onnx"):
        if not args.inputs:
            raise SystemExit(f"{args.model}: a model without sidecar needs --inputs x.npy")
        onnx_path = args.model
    else:
        spec = load_sidecar(args.model)
        onnx_path = spec["_onnx_path"]
    if bool(args.inputs) == bool(args.indices):
        raise SystemExit("give the run's images either as --data/--indices or as --inputs x.npy")
    if args.inputs:
        x_all = np.load(args.inputs)
        if x_all.dtype != np.float32 or x_all.ndim < 2:
            raise SystemExit(f"{args.inputs}: expected float32 [N, ...] model inputs, got {x_all.dtype} "
                             f"{list(x_all.shape)}")
        images = list(range(x_all.shape[0]))  # flipguard numbers the rows of a .npy as its dataset indices
        chunks = (torch.from_numpy(np.ascontiguousarray(x_all[s : s + args.batch]))
                  for s in range(0, len(images), args.batch))
    else:
        items = load_dataset(args.data or spec["dataset"], args.assets)
        images = parse_indices(args.indices, len(items))
        chunks = (x for x, _ in batches(spec, [items[i] for i in images], args.batch))
    try:
        faults = read_faults(args.faults, args.format) if args.faults else []
        replay = ActivationReplay(read_values(args.values), args.format, args.protection, faults)
        model = OnnxReference(onnx_path, fold_batchnorm=not args.no_fold_bn)
        replay.check_graph(model.written_values())
        replay.check_images(images)
    except (OSError, ValueError) as e:
        raise SystemExit(f"replay: {e}")
    out, start = [], 0
    for x in chunks:
        out.append(model.run(x, hook=replay.hook(start)).numpy())
        start += x.shape[0]
    logits = np.concatenate(out).astype(np.float32)
    np.save(args.out, logits)
    st = replay.stats
    if st.faults_applied != len(faults):
        raise SystemExit(f"replay: applied {st.faults_applied} of the {len(faults)} faults")
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(dataclasses.asdict(st), f)
    print(f"wrote {args.out}: {logits.shape[0]}x{logits.shape[1]} logits; {len(replay.values)} values in "
          f"{args.format}, {st.faults_applied} faults ({st.before_mismatch} read otherwise before the fault, "
          f"by at most {st.max_before_error:.3g} of the value's max |element|; non-finite on one side only in "
          f"rows {st.nonfinite_before_rows}), nanguard zeroed {st.guarded}; "
          f"{int((~np.isfinite(logits)).any(axis=1).sum())} rows non-finite")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("eval", "logits", "replay"):
        s = sub.add_parser(name)
        s.add_argument("--model", required=True,
                       help="sidecar JSON (models/NAME.json)" + (" or, with --inputs, an .onnx" if name == "replay"
                                                                 else ""))
        s.add_argument("--data", choices=DATASETS, help="dataset name (default: the sidecar's)")
        s.add_argument("--assets", default="", help="assets dir (default $FLIPGUARD_ASSETS or ../shared/assets)")
        s.add_argument("--batch", type=int, default=32)
        if name == "eval":
            s.add_argument("--limit", type=int, default=0, help="first N items only")
        elif name == "replay":
            s.add_argument("--indices", help="the run's images: comma-separated dataset indices, in its order")
            s.add_argument("--inputs", help="the run's model inputs: float32 .npy [N, C, H, W]")
            s.add_argument("--format", required=True, choices=FORMATS, help="activation storage format")
            s.add_argument("--protection", default="none", choices=PROTECTIONS)
            s.add_argument("--values", required=True,
                           help="the faultable values: flipguard inspect-model --site activations output, or "
                                "one name a line")
            s.add_argument("--no-fold-bn", action="store_true",
                           help="run BatchNormalization as its own node (default: folded into the Conv before "
                                "it, as flipguard runs it, so that values round to the format from the same "
                                "float32 bits)")
            s.add_argument("--faults", help="flipguard run --dump-faults file (none: the clean stored run)")
            s.add_argument("--out", required=True, help="output .npy")
            s.add_argument("--stats", help="write what the replay did (faults applied, how their elements read "
                                           "before the fault against the dump, NaN-guarded elements) as JSON")
        else:
            s.add_argument("--indices", required=True, help="comma-separated item indices")
            s.add_argument("--out", required=True, help="output .npy")
    args = p.parse_args()
    if args.batch < 1:
        raise SystemExit("--batch must be >= 1")
    torch.set_grad_enabled(False)
    {"eval": cmd_eval, "logits": cmd_logits, "replay": cmd_replay}[args.cmd](args)


if __name__ == "__main__":
    main()
