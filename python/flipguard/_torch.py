"""PyTorch modules into flipguard: exported with torch.onnx.export, then run on flipguard's engine."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from typing import Optional

from ._flipguard import Model

OPSET = 13


def _export(module, example_input, path: str, opset: int) -> None:
    import torch

    module.eval()
    with warnings.catch_warnings():  # the exporter's notes on constant folding and training mode
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(module, example_input, path, opset_version=opset, input_names=["input"],
                              output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                              do_constant_folding=True)


def from_torch(module, example_input, *, batch: Optional[int] = None, threads: int = 0,
               fold_batchnorm: bool = True, biases: bool = False, batchnorm: bool = False,
               opset: int = OPSET) -> Model:
    """A torch.nn.Module (put in eval mode) as a flipguard Model: exported to ONNX in a temporary file and loaded.

    example_input: a tensor of the model's input shape (N x C x H x W); batch defaults to its N.
    """
    with tempfile.TemporaryDirectory(prefix="flipguard-") as tmp:
        path = os.path.join(tmp, "model.onnx")
        _export(module, example_input, path, opset)
        return Model(path, batch=batch or int(example_input.shape[0]), threads=threads,
                     fold_batchnorm=fold_batchnorm, biases=biases, batchnorm=batchnorm)


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_torch(module, example_input, sidecar, *, dataset: str, preprocess: Optional[dict] = None,
                 label_offset: int = 0, source: str = "", opset: int = OPSET) -> str:
    """Writes a torch module as a model campaigns can use: NAME.onnx and its sidecar NAME.json (the path given,
    which must end in .json). Returns the sidecar's path, to pass as run_campaign(model=...).

    dataset: the built-in dataset it is evaluated on by default (flipguard.dataset_names()).
    preprocess: the sidecar's preprocessing (channel_order, scale, mean, std, resize_shorter, resize_to, crop,
    resize_filter); default: RGB scaled to [0, 1], no normalisation.
    """
    import torch

    sidecar = os.fspath(sidecar)
    if not sidecar.endswith(".json"):
        raise ValueError(f"{sidecar}: the sidecar's path must end in .json")
    if example_input.dim() != 4:
        raise ValueError(f"example_input: an N x C x H x W tensor, got shape {tuple(example_input.shape)}")
    folder, base = os.path.split(os.path.abspath(sidecar))
    name = base[: -len(".json")]
    onnx_path = os.path.join(folder, name + ".onnx")
    _export(module, example_input, onnx_path, opset)
    with torch.no_grad():
        classes = int(module(example_input).shape[1])
    _, channels, height, width = (int(d) for d in example_input.shape)
    spec = {
        "name": name,
        "onnx": name + ".onnx",
        "source": source or f"{type(module).__name__} exported by flipguard.export_torch",
        "sha256": _sha256(onnx_path),
        "input": {"name": "input", "channels": channels, "height": height, "width": width},
        "output": {"name": "logits", "classes": classes, "label_offset": label_offset},
        "preprocess": {"resize_shorter": 0, "resize_to": [0, 0], "crop": [0, 0],
                       "channel_order": "RGB" if channels == 3 else "GRAY", "scale": 1.0 / 255.0,
                       "mean": [0.0] * channels, "std": [1.0] * channels, **(preprocess or {})},
        "dataset": dataset,
        "reference_top1": {},
    }
    with open(sidecar + ".tmp", "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    os.replace(sidecar + ".tmp", sidecar)
    return sidecar
