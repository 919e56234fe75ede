#!/usr/bin/python3
"""Independent reference evaluator for the project's ONNX models (torch interpreter + PIL preprocessing).

  onnx_reference.py eval   --model models/resnet50.json [--data NAME] [--limit N] [--batch B]
  onnx_reference.py logits --model models/resnet50.json --data NAME --indices 0,1,2 --out logits.npy

`eval` prints Top-1/Top-5 with image counts; `logits` writes float32 [len(indices), classes] for cross-checks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


def cmd_logits(args):
    spec = load_sidecar(args.model)
    items = load_dataset(args.data or spec["dataset"], args.assets)
    try:
        idx = [int(s) for s in args.indices.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"--indices {args.indices!r}: expected comma-separated integers")
    bad = [i for i in idx if not 0 <= i < len(items)]
    if bad:
        raise SystemExit(f"--indices: {bad} out of range for {len(items)} items")
    model = OnnxReference(spec["_onnx_path"])
    chosen = [items[i] for i in idx]
    out = [model.run(x).numpy() for x, _ in batches(spec, chosen, args.batch)]
    logits = np.concatenate(out).astype(np.float32)
    np.save(args.out, logits)
    print(f"wrote {args.out}: {logits.shape[0]}x{logits.shape[1]} logits; labels "
          f"{[label for _, label, _ in chosen]}; top-1 {logits.argmax(1).tolist()}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("eval", "logits"):
        s = sub.add_parser(name)
        s.add_argument("--model", required=True, help="sidecar JSON (models/NAME.json)")
        s.add_argument("--data", choices=DATASETS, help="dataset name (default: the sidecar's)")
        s.add_argument("--assets", default="", help="assets dir (default $FLIPGUARD_ASSETS or ../shared/assets)")
        s.add_argument("--batch", type=int, default=32)
        if name == "eval":
            s.add_argument("--limit", type=int, default=0, help="first N items only")
        else:
            s.add_argument("--indices", required=True, help="comma-separated item indices")
            s.add_argument("--out", required=True, help="output .npy")
    args = p.parse_args()
    if args.batch < 1:
        raise SystemExit("--batch must be >= 1")
    torch.set_grad_enabled(False)
    {"eval": cmd_eval, "logits": cmd_logits}[args.cmd](args)


if __name__ == "__main__":
    main()
