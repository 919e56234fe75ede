#!/usr/bin/python3
"""The full-size torchvision classification zoo on flipguard's engine vs PyTorch: for each model, exports it to ONNX
(seeded random weights: torchvision's own initialisation, zero-initialised weight matrices given small random
values so no head outputs constants, BatchNorm statistics randomised), runs one input in PyTorch and in flipguard
(bench_zoo_run), and prints: loads, max |logit diff| / logit scale (max |PyTorch logit|), argmax equal, and
images/s of both (batch 1, median of RUNS runs, the same thread count).

    zoo_check.py BUILD_DIR [--models m1,m2] [--runs 3] [--threads 2] [--opset 17] [--keep DIR]
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "regnet_y_400mf",
          "squeezenet1_1", "googlenet", "densenet121", "vgg11_bn", "alexnet", "mnasnet0_5", "inception_v3",
          "shufflenet_v2_x1_0", "convnext_tiny", "vit_b_16", "swin_t"]


def make(name, seed):
    torch.manual_seed(seed)
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = True
    model = getattr(torchvision.models, name)(**kwargs)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2 and not p.any():
                p.normal_(0, 0.02)
        for buf_name, b in model.named_buffers():
            if buf_name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif buf_name.endswith("running_var"):
                b.copy_(torch.rand_like(b) * 0.5 + 0.75)
    return model.eval()


def median_ips(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1.0 / sorted(times)[len(times) // 2]


def check(name, args, tmp):
    size = 299 if name == "inception_v3" else 224
    model = make(name, 1)
    x = torch.randn((1, 3, size, size), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ref = model(x).numpy()
        pt_ips = median_ips(lambda: model(x), args.runs)
    onnx_path = os.path.join(tmp, name + ".onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=args.opset, input_names=["input"], output_names=["logits"])
    in_path, out_path = os.path.join(tmp, name + ".in.f32"), os.path.join(tmp, name + ".out.f32")
    x.numpy().astype("<f4").tofile(in_path)
    t0 = time.time()
    r = subprocess.run([os.path.join(args.build, "bench_zoo_run"), onnx_path, in_path, out_path, str(args.runs),
                        str(args.threads)], capture_output=True, text=True)
    line = (r.stdout.strip().splitlines() or [r.stderr.strip() or "error (no output)"])[-1]
    if not line.startswith("ok "):
        return {"name": name, "loads": "no", "error": line[6:] if line.startswith("error ") else line}
    fg_ips = float(line.split()[1])
    got = np.fromfile(out_path, dtype="<f4").reshape(ref.shape)
    scale = float(np.abs(ref).max())
    diff = float(np.abs(got - ref).max())
    if not args.keep:
        os.remove(onnx_path)
    return {"name": name, "loads": "yes", "rel": diff / max(scale, 1e-30), "scale": scale,
            "argmax": bool((got.argmax(1) == ref.argmax(1)).all()), "fg": fg_ips, "pt": pt_ips,
            "secs": time.time() - t0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--keep", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import warnings
    warnings.filterwarnings("ignore")
    tmp = args.keep or tempfile.mkdtemp(prefix="zoo_check.")
    os.makedirs(tmp, exist_ok=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, opset {args.opset}, batch 1, "
          f"{args.threads} threads, median of {args.runs} runs; {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f} at start", flush=True)
    print(f"| model | loads | max abs diff / logit scale | argmax equal | flipguard img/s | PyTorch img/s | ratio |")
    print("|---|---|---|---|---|---|---|", flush=True)
    failed = 0
    for name in args.models.split(","):
        try:
            r = check(name, args, tmp)
        except Exception as e:  # an export failure is a row, not the end of the table
            r = {"name": name, "loads": "no", "error": f"{type(e).__name__}: {e}".replace("\n", " ")[:300]}
        if r["loads"] == "no":
            failed += 1
            print(f"| {name} | no: {r['error'][:400]} | | | | | |", flush=True)
            continue
        ok = r["rel"] <= 1e-4 and r["argmax"]
        failed += not ok
        print(f"| {name} | yes | {r['rel']:.2e} (scale {r['scale']:.3g}) | {'yes' if r['argmax'] else 'NO'} | "
              f"{r['fg']:.2f} | {r['pt']:.2f} | {r['fg'] / r['pt']:.2f}x |", flush=True)
    print(f"\n{len(args.models.split(',')) - failed} of {len(args.models.split(','))} load and match "
          f"(max |diff| <= 1e-4 of the logit scale, same argmax). Speeds depend on the machine's load at the "
          f"time: compare within a row.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
