#!/usr/bin/python3
"""PyTorch side of bench/engine_vs_pytorch: exports the benchmark models to ONNX (for flipguard) and times
them in PyTorch (2 threads, eval, no_grad) in its default layout and its best configurations.

  pytorch_speed.py export DIR          writes DIR/{resnet50,resnet18,mobilenet_v2}.onnx (random weights:
                                       speed does not depend on the values)
  pytorch_speed.py time MODEL BATCH MODE [SECONDS]
      MODE: default | channels_last | frozen (jit.trace + freeze + optimize_for_inference, channels_last)
"""
import sys
import time

import torch
import torchvision  # noqa: F401  (Debian python3-torchvision)


def build(name):
    import torchvision.models as tvm
    torch.manual_seed(0)
    m = {"resnet50": tvm.resnet50, "resnet18": tvm.resnet18, "mobilenet_v2": tvm.mobilenet_v2}[name]()
    return m.eval()


def export(out_dir):
    for name in ("resnet50", "resnet18", "mobilenet_v2"):
        m = build(name)
        x = torch.randn(1, 3, 224, 224)
        torch.onnx.export(m, x, f"{out_dir}/{name}.onnx", opset_version=13, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)


def time_model(name, batch, mode, seconds):
    torch.set_num_threads(2)
    m = build(name)
    x = torch.randn(batch, 3, 224, 224)
    with torch.no_grad():
        if mode in ("channels_last", "frozen"):
            m = m.to(memory_format=torch.channels_last)
            x = x.to(memory_format=torch.channels_last)
        if mode == "frozen":
            m = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(m, x)))
        for _ in range(3):
            m(x)
        times = []
        start = time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            m(x)
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(f"{batch / med:.2f} images/s (batch {batch}, {mode}, median of {len(times)} runs)")


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        time_model(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]) if len(sys.argv) > 5 else 10.0)
