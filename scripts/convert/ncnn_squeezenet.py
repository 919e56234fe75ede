#!/usr/bin/python3
"""SqueezeNet 1.1 in ncnn format (squeezenet_v1.1.param + .bin) -> ONNX opset 13 + sidecar.

A reader for the subset of ncnn's text graph and weight file the model uses: Input, Convolution (with fused
activation), Pooling, Concat, Split, Dropout, Softmax (stripped: the output is logits). ncnn blobs are CHW
without a batch dim, so a Concat axis a becomes ONNX axis a+1.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NCNN_MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_INT8 = 0x000D4B38
# Independent Top-1 from the assets' MANIFEST.md.
REFERENCE_TOP1 = {"imagenet-val1300": 72.8}


@dataclass
class Layer:
    type: str
    name: str
    bottoms: List[str]
    tops: List[str]
    params: Dict[int, object] = field(default_factory=dict)

    def get(self, key: int, default):
        return self.params.get(key, default)


def _param_value(text: str, where: str):
    if "," in text:
        raise common.ConversionError(f"{where}: array parameters are not supported ({text})")
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise common.ConversionError(f"{where}: bad parameter value {text!r}")


def parse_param(path: str) -> List[Layer]:
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    if not lines or lines[0] != [str(NCNN_MAGIC)]:
        raise common.ConversionError(f"{path}: not an ncnn param file (magic {NCNN_MAGIC} missing)")
    try:
        layer_count = int(lines[1][0])
        int(lines[1][1])  # blob count: checked for format only
    except (IndexError, ValueError):
        raise common.ConversionError(f"{path}: line 2 must be 'layer_count blob_count'")
    layers = []
    for lineno, tok in enumerate(lines[2:], 3):
        where = f"{path} line {lineno}"
        if len(tok) < 4:
            raise common.ConversionError(f"{where}: too few fields")
        nb, nt = int(tok[2]), int(tok[3])
        bottoms, tops = tok[4 : 4 + nb], tok[4 + nb : 4 + nb + nt]
        if len(bottoms) != nb or len(tops) != nt:
            raise common.ConversionError(f"{where}: expected {nb} bottoms and {nt} tops")
        params = {}
        for kv in tok[4 + nb + nt :]:
            key, _, value = kv.partition("=")
            if not key.lstrip("-").isdigit():
                raise common.ConversionError(f"{where}: bad parameter {kv!r}")
            params[int(key)] = _param_value(value, where)
        layers.append(Layer(tok[0], tok[1], bottoms, tops, params))
    if len(layers) != layer_count:
        raise common.ConversionError(f"{path}: header says {layer_count} layers, found {len(layers)}")
    return layers


class WeightReader:
    """ncnn .bin: per Convolution, a tagged weight block (fp16/int8/fp32) then the bias as raw fp32."""

    def __init__(self, path: str):
        with open(path, "rb") as f:
            self.data = f.read()
        self.path, self.pos = path, 0

    def _take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise common.ConversionError(f"{self.path}: truncated while reading {what} at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def tagged(self, count: int, what: str) -> np.ndarray:
        (tag,) = struct.unpack("<I", self._take(4, what))
        if tag == TAG_FP16:
            raw = self._take((count * 2 + 3) // 4 * 4, what)  # blocks are padded to 4 bytes
            return np.frombuffer(raw[: count * 2], dtype="<f2").astype(np.float32)
        if tag == 0:
            return np.frombuffer(self._take(count * 4, what), dtype="<f4").astype(np.float32)
        if tag == TAG_INT8:
            raise common.ConversionError(f"{self.path}: {what} is int8-quantized; not supported")
        raise common.ConversionError(f"{self.path}: {what}: unknown weight tag 0x{tag:08X}")

    def raw_fp32(self, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self._take(count * 4, what), dtype="<f4").astype(np.float32)

    def finish(self):
        if self.pos != len(self.data):
            raise common.ConversionError(f"{self.path}: {len(self.data) - self.pos} bytes left unread")


def build(layers: List[Layer], weights: WeightReader) -> onnx.ModelProto:
    nodes, inits = [], []
    alias: Dict[str, str] = {}  # ncnn blob -> ONNX tensor (Split/Dropout are pure fan-out/identity)
    chw = None
    last = None
    channels = 0  # of the last convolution: the class count after global pooling

    def src(blob):
        return alias.get(blob, blob)

    for L in layers:
        where = f"layer {L.name} ({L.type})"
        if L.type == "Input":
            chw = (int(L.get(2, 0)), int(L.get(1, 0)), int(L.get(0, 0)))
            alias[L.tops[0]] = "data"
            last = "data"
        elif L.type in ("Split", "Dropout"):
            for top in L.tops:
                alias[top] = src(L.bottoms[0])
        elif L.type == "Convolution":
            out_c, kw = int(L.get(0, 0)), int(L.get(1, 0))
            kh = int(L.get(11, kw))
            dw = int(L.get(2, 1)); dh = int(L.get(12, dw))
            sw = int(L.get(3, 1)); sh = int(L.get(13, sw))
            pl = int(L.get(4, 0)); pr = int(L.get(15, pl)); pt = int(L.get(14, pl)); pb = int(L.get(16, pt))
            if min(pl, pr, pt, pb) < 0:
                raise common.ConversionError(f"{where}: automatic (SAME) padding not supported")
            if L.get(8, 0) or L.get(18, 0.0):
                raise common.ConversionError(f"{where}: int8 scales / non-zero pad value not supported")
            size = int(L.get(6, 0))
            if size % (out_c * kh * kw):
                raise common.ConversionError(f"{where}: weight_data_size {size} not a multiple of {out_c}x{kh}x{kw}")
            in_c = size // (out_c * kh * kw)
            channels = out_c
            w = weights.tagged(size, f"{L.name} weights").reshape(out_c, in_c, kh, kw)  # ncnn stores OIHW
            inits.append(numpy_helper.from_array(w, f"{L.name}/weight"))
            conv_in = [src(L.bottoms[0]), f"{L.name}/weight"]
            if int(L.get(5, 0)):
                inits.append(numpy_helper.from_array(weights.raw_fp32(out_c, f"{L.name} bias"), f"{L.name}/bias"))
                conv_in.append(f"{L.name}/bias")
            act = int(L.get(9, 0))
            conv_out = f"{L.name}/conv" if act else L.tops[0]
            nodes.append(helper.make_node(
                "Conv", conv_in, [conv_out], name=L.name, kernel_shape=[kh, kw], strides=[sh, sw],
                dilations=[dh, dw], pads=[pt, pl, pb, pr], group=1))
            if act == 1:
                nodes.append(helper.make_node("Relu", [conv_out], [L.tops[0]], name=f"{L.name}/relu"))
            elif act:
                raise common.ConversionError(f"{where}: fused activation type {act} not supported")
            last = L.tops[0]
        elif L.type == "Pooling":
            kind, is_global = int(L.get(0, 0)), int(L.get(4, 0))
            if is_global:
                op = "GlobalMaxPool" if kind == 0 else "GlobalAveragePool"
                nodes.append(helper.make_node(op, [src(L.bottoms[0])], [L.tops[0]], name=L.name))
            else:
                kw = int(L.get(1, 0)); kh = int(L.get(11, kw))
                sw = int(L.get(2, 1)); sh = int(L.get(12, sw))
                pl = int(L.get(3, 0)); pr = int(L.get(14, pl)); pt = int(L.get(13, pl)); pb = int(L.get(15, pt))
                mode = int(L.get(5, 0))
                if mode not in (0, 1):
                    raise common.ConversionError(f"{where}: pad_mode {mode} (SAME) not supported")
                if kind != 0:
                    raise common.ConversionError(f"{where}: windowed average pooling not supported")
                # ncnn pad_mode 0 ("full") pads the tail so the last partial window counts: ONNX ceil_mode=1.
                nodes.append(helper.make_node(
                    "MaxPool", [src(L.bottoms[0])], [L.tops[0]], name=L.name, kernel_shape=[kh, kw],
                    strides=[sh, sw], pads=[pt, pl, pb, pr], ceil_mode=1 if mode == 0 else 0))
            last = L.tops[0]
        elif L.type == "Concat":
            axis = int(L.get(0, 0))
            nodes.append(helper.make_node("Concat", [src(b) for b in L.bottoms], [L.tops[0]], name=L.name,
                                          axis=axis + 1))
            last = L.tops[0]
        elif L.type == "Softmax":
            alias[L.tops[0]] = src(L.bottoms[0])  # stripped: we compare logits
        else:
            raise common.ConversionError(f"{where}: layer type not supported")
    weights.finish()
    if chw is None or last is None:
        raise common.ConversionError("the graph has no Input layer or no computing layer")
    nodes.append(helper.make_node("Flatten", [last], ["logits"], name="flatten", axis=1))
    graph = helper.make_graph(
        nodes, "squeezenet11",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", *chw])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", channels])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", common.OPSET)],
                              producer_name="flipguard scripts/convert/ncnn_squeezenet.py")
    model.ir_version = 7
    return model, chw, channels


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--assets", default="")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    args = p.parse_args()
    name = "squeezenet11"
    try:
        assets = common.assets_dir(args.assets)
        param = common.verified_source(os.path.join(assets, "imagenet-models/squeezenet_v1.1.param"),
                                       "imagenet-models/squeezenet_v1.1.param")
        binf = common.verified_source(os.path.join(assets, "imagenet-models/squeezenet_v1.1.bin"),
                                      "imagenet-models/squeezenet_v1.1.bin")
        model, chw, classes = build(parse_param(param), WeightReader(binf))
        out = os.path.normpath(args.out)
        common.save_model(model, out, name)
        common.write_sidecar(
            out, name,
            source="ncnn squeezenet_v1.1.param/.bin (nihui/ncnn-assets, fp16 weights widened to fp32), converted "
                   "by scripts/convert/ncnn_squeezenet.py",
            input_name="data", chw=chw, output_name="logits", classes=classes,
            preprocess={"channel_order": "BGR", "scale": 1.0, "mean": [104.0, 117.0, 123.0], "std": [1.0] * 3,
                        "crop": [chw[1], chw[2]]},
            dataset="imagenet-val1300", reference_top1=REFERENCE_TOP1)
        print(f"convert {name}: wrote {out}/{name}.onnx ({len(model.graph.node)} nodes)")
    except Exception as e:
        common.fail(name, str(e))


if __name__ == "__main__":
    main()
