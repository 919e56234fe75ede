#!/usr/bin/python3
"""PyTorch side of bench/engine_vs_pytorch and bench/engine_vs_ort: exports torchvision classification models to
ONNX (for flipguard and ONNX Runtime) and times them in PyTorch (2 threads, eval, no_grad) in its default layout
and its best configurations. Any model of bench/zoo_check's list (the 17 torchvision architectures) works.

  pytorch_speed.py export DIR [MODEL,MODEL...]   writes DIR/MODEL.onnx (default: resnet50, resnet18,
                                                 mobilenet_v2), batch dimension dynamic; zoo_check's seeded
                                                 weights (speed does not depend on the values, but no head may
                                                 output constants)
  pytorch_speed.py time MODEL BATCH MODE [SECONDS]
      MODE: default | channels_last | frozen (jit.trace + freeze + optimize_for_inference, channels_last)
      Prints "<images/s> images/s ..." or "failed: <why>" (a mode PyTorch cannot run for a model, e.g. a trace
      that fails, is a row entry, not the end of the benchmark).
"""
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo_check import make  # noqa: E402  (same seeded construction as the exactness check)

DEFAULT_MODELS = ["resnet50", "resnet18", "mobilenet_v2"]


def input_size(name):
    return 299 if name == "inception_v3" else 224


def export(out_dir, names):
    for name in names:
        m = make(name, 0)
        x = torch.randn(1, 3, input_size(name), input_size(name))
        torch.onnx.export(m, x, f"{out_dir}/{name}.onnx", opset_version=17, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)


def time_model(name, batch, mode, seconds):
    torch.set_num_threads(2)
    m = make(name, 0)
    x = torch.randn(batch, 3, input_size(name), input_size(name))
    with torch.no_grad():
        if mode in ("channels_last", "frozen"):
            m = m.to(memory_format=torch.channels_last)
            x = x.to(memory_format=torch.channels_last)
        if mode == "frozen":
            m = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(m, x)))
        # Warm-up (the frozen graph compiles on its first runs); a model slower than the window gets one run.
        t0 = time.perf_counter()
        m(x)
        first = time.perf_counter() - t0
        if first < seconds:
            m(x)
        times = []
        start = time.perf_counter()
        while len(times) < (1 if first > seconds else 3) or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            m(x)
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(f"{batch / med:.2f} images/s (batch {batch}, {mode}, median of {len(times)} runs)")


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    if sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3].split(",") if len(sys.argv) > 3 else DEFAULT_MODELS)
    else:
        try:
            time_model(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]) if len(sys.argv) > 5 else 10.0)
        except Exception as e:  # noqa: BLE001
            print(f"failed: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}")
