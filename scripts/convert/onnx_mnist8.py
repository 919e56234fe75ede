#!/usr/bin/python3
"""mnist-8.onnx (a small user-trained MNIST CNN, ONNX opset 11) -> ONNX opset 13 + sidecar.

The source already has a symbolic batch dim and reshapes with [-1, 3136], so no batch fix is needed (checked
below, so a different file fails loudly). It is upgraded with onnx.version_converter, its Constant nodes become
initializers, its output is renamed "logits", and the result is checked against the original on random inputs.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper, version_converter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

REFERENCE_TOP1 = {"mnist-test": 97.9}


def convert(src: str) -> onnx.ModelProto:
    original = onnx.load(src)
    opset = max(o.version for o in original.opset_import if o.domain in ("", "ai.onnx"))
    model = version_converter.convert_version(original, common.OPSET) if opset != common.OPSET else original
    g = model.graph
    inits = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    if len(inputs) != 1 or len(g.output) != 1:
        raise common.ConversionError(f"{src}: expected one input and one output")
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4 or dims[0].dim_value != 0:
        raise common.ConversionError(f"{src}: input is not NCHW with a free batch dim: {dims}")
    dims[0].dim_param = "N"  # the batch dim is called N in every converted model
    out_dims = g.output[0].type.tensor_type.shape.dim
    if len(out_dims) == 2 and out_dims[0].dim_param:
        out_dims[0].dim_param = "N"

    keep = []
    for node in g.node:
        if node.op_type == "Constant":
            value = onnx.helper.get_attribute_value(node.attribute[0])
            value.name = node.output[0]
            g.initializer.append(value)
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    for node in g.node:  # a Reshape with a literal batch size would break other batch sizes
        if node.op_type == "Reshape":
            shape = next(numpy_helper.to_array(t) for t in g.initializer if t.name == node.input[1])
            if shape[0] not in (-1, 0):
                raise common.ConversionError(f"{src}: Reshape {node.name} hard-codes batch {shape[0]}")

    old_out = g.output[0].name
    for node in g.node:
        node.output[:] = ["logits" if o == old_out else o for o in node.output]
    g.output[0].name = "logits"
    model.producer_name = "flipguard scripts/convert/onnx_mnist8.py"
    return original, model


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--assets", default="")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    args = p.parse_args()
    name = "mnist8"
    try:
        assets = common.assets_dir(args.assets)
        src = common.verified_source(os.path.join(assets, "mnist/mnist-8.onnx"), "mnist/mnist-8.onnx")
        original, model = convert(src)
        out = os.path.normpath(args.out)
        path = common.save_model(model, out, name)
        tmp = os.path.join(out, ".mnist8.original.onnx")
        onnx.save(original, tmp)
        try:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
            from interpreter import OnnxReference
            import torch

            x = torch.from_numpy(np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32))
            expected = OnnxReference(tmp).run(x).numpy()
        finally:
            os.remove(tmp)
        common.compare_with_reference(path, x, expected, name, tol=0.0)
        common.write_sidecar(
            out, name,
            source="mnist-8.onnx (Baskov-Aleksey-Viktorovich/PyTorch- @ 04913e1, opset 11), upgraded to opset 13 by "
                   "scripts/convert/onnx_mnist8.py",
            input_name=model.graph.input[0].name, chw=(1, 28, 28), output_name="logits", classes=10,
            preprocess={"channel_order": "GRAY", "scale": 1.0 / 255.0, "mean": [0.1307], "std": [0.3081]},
            dataset="mnist-test", reference_top1=REFERENCE_TOP1)
        print(f"convert {name}: wrote {path} ({len(model.graph.node)} nodes)")
    except Exception as e:
        common.fail(name, str(e))


if __name__ == "__main__":
    main()
