#!/usr/bin/python3
"""Quantized TFLite MobileNets (google-coral/test_data) -> float ONNX opset 13 + sidecar.

Weights are dequantized (real = scale * (q - zero_point), per-axis when the file has several scales), biases
int32 with their own scale (= input scale * weight scale, checked), and the graph is rebuilt in NCHW float:
CONV_2D -> Conv, DEPTHWISE_CONV_2D -> Conv with group = channels, fused RELU6 -> Clip(0, 6), fused RELU ->
Relu, AVERAGE_POOL_2D -> AveragePool, ADD -> Add, RESHAPE/SQUEEZE to [N, classes] -> Flatten, final SOFTMAX
dropped (logits). TF 'SAME' padding becomes explicit, possibly asymmetric, pads. Activations are NOT quantized:
the ONNX model computes in float what the TFLite model computes in uint8, so accuracies can differ slightly.
The uint8 input quantization (real = scale * (q - zero_point)) becomes the sidecar's mean/std.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import tflite_reader as tfl  # noqa: E402

MODELS = {
    "mobilenet_v1_025": ("mobilenet_v1_0.25_128_quant.tflite", {"imagenet-val1300": 54.6}),
    "mobilenet_v1_050": ("mobilenet_v1_0.5_160_quant.tflite", {}),
    "mobilenet_v1_075": ("mobilenet_v1_0.75_192_quant.tflite", {}),
    "mobilenet_v2_100": ("mobilenet_v2_1.0_224_quant.tflite", {}),
}

# These TF-trained models are evaluated with TF-style preprocessing: the sidecars ask for the "bilinear-noaa"
# resize (half-pixel bilinear without antialiasing, as tf.image.resize(antialias=False)). The val1300 images are
# 227x227, and how they are shrunk moves MobileNet v1 0.25 by several points (scripts/reference, all 1300
# images, float model): "bilinear-noaa" 54.3 (54.4 unrounded), PIL antialiased bilinear 50.0, nearest 54.2,
# box 55.1; the independent reference is 54.6.
RESIZE_FILTER = "bilinear-noaa"
NOTES = {
    "mobilenet_v1_025": "Top-1 on imagenet-val1300 depends on the resize filter (227x227 -> 128x128): 54.3 with this "
                        "sidecar's non-antialiased bilinear (TF style), as the independent 54.6 (quantized model) "
                        "evidently used, but 50.0 with PIL's antialiased bilinear; quantizing activations changes it "
                        "by 0.1.",
    "mobilenet_v2_100": "Resized with non-antialiased bilinear (TF style) like the other TFLite MobileNets; on "
                        "imagenet-val1300 (227x227 -> 224x224) the filter hardly matters: 78.6 Top-1, 78.5 with "
                        "PIL's antialiased bilinear.",
}


def layer_name(t: tfl.Tensor) -> str:
    """'A/B/Conv2d_1_pointwise/Conv2D_Fold;...' -> 'A/B/Conv2d_1_pointwise': the op's scope in the TF graph."""
    first = t.name.split(";")[0]
    return first.rsplit("/", 1)[0] if "/" in first else first


class Converter:
    def __init__(self, model: tfl.Model, path: str):
        self.m, self.path = model, path
        self.nodes: List[onnx.NodeProto] = []
        self.inits: List[onnx.TensorProto] = []
        self.names: Dict[int, str] = {}  # TFLite tensor index -> ONNX tensor name
        self.used_names = set()

    def unique(self, name: str) -> str:
        base, k = name, 1
        while name in self.used_names:
            k += 1
            name = f"{base}_{k}"
        self.used_names.add(name)
        return name

    def nchw(self, index: int) -> List[int]:
        shape = self.m.tensors[index].shape
        return [shape[0], shape[3], shape[1], shape[2]] if len(shape) == 4 else shape

    def activation(self, op_name: str, act: int, tensor: str, out: str) -> str:
        kind = tfl.ACTIVATION.get(act, str(act))
        if kind == "NONE":
            return tensor
        if kind == "RELU6":
            lo = self.const(f"{op_name}/relu6_min", np.array(0.0, np.float32))
            hi = self.const(f"{op_name}/relu6_max", np.array(6.0, np.float32))
            self.nodes.append(helper.make_node("Clip", [tensor, lo, hi], [out], name=f"{op_name}/relu6"))
            return out
        if kind == "RELU":
            self.nodes.append(helper.make_node("Relu", [tensor], [out], name=f"{op_name}/relu"))
            return out
        raise common.ConversionError(f"{op_name}: fused activation {kind} not supported")

    def const(self, name: str, array: np.ndarray) -> str:
        name = self.unique(name)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def bias(self, op_name: str, op: tfl.Operator, in_t: tfl.Tensor, w_t: tfl.Tensor, out_c: int):
        if len(op.inputs) < 3 or op.inputs[2] < 0:
            return []
        b_t = self.m.tensors[op.inputs[2]]
        if b_t.type == 2:  # int32 bias: its scale must be input scale x weight scale, per output channel
            want = in_t.quant.scale.astype(np.float64) * w_t.quant.scale.astype(np.float64)
            if not np.allclose(b_t.quant.scale, want, rtol=1e-3):
                raise common.ConversionError(f"{op_name}: bias scale is not input_scale * weight_scale")
        b = b_t.dequantized().reshape(-1)
        if b.size != out_c:
            raise common.ConversionError(f"{op_name}: bias has {b.size} values for {out_c} channels")
        return [self.const(f"{op_name}/bias", b)]

    def conv(self, op: tfl.Operator, depthwise: bool):
        x_i, w_i = op.inputs[0], op.inputs[1]
        in_t, w_t, out_t = self.m.tensors[x_i], self.m.tensors[w_i], self.m.tensors[op.outputs[0]]
        name = self.unique(layer_name(w_t))
        o = op.options
        _, h, w, c = in_t.shape
        wq = w_t.dequantized()
        if depthwise:  # [1, kh, kw, C*mult] -> [C*mult, 1, kh, kw], group = C
            _, kh, kw, out_c = wq.shape
            if out_c != c * max(1, o["depth_multiplier"]):
                raise common.ConversionError(f"{name}: depthwise {out_c} channels from {c} inputs")
            weight = wq.transpose(3, 0, 1, 2)
            group = c
        else:  # OHWI -> OIHW
            out_c, kh, kw, in_c = wq.shape
            if in_c != c:
                raise common.ConversionError(f"{name}: weights for {in_c} input channels, input has {c}")
            weight = wq.transpose(0, 3, 1, 2)
            group = 1
        sh, sw = o["stride_h"], o["stride_w"]
        dh, dw = o["dilation_h_factor"], o["dilation_w_factor"]
        if tfl.PADDING[o["padding"]] == "SAME":
            (t, b), (l, r) = common.same_pads(h, kh, sh, dh), common.same_pads(w, kw, sw, dw)
        else:
            t = b = l = r = 0
        ins = [self.names[x_i], self.const(f"{name}/weights", np.ascontiguousarray(weight))]
        ins += self.bias(name, op, in_t, w_t, out_c)
        act = o["fused_activation_function"]
        conv_out = self.unique(f"{name}/conv" if act else name)
        self.nodes.append(helper.make_node(
            "Conv", ins, [conv_out], name=name, kernel_shape=[kh, kw], strides=[sh, sw], dilations=[dh, dw],
            pads=[t, l, b, r], group=group))
        out = self.activation(name, act, conv_out, self.unique(f"{name}/out")) if act else conv_out
        oh, ow = (h + t + b - ((kh - 1) * dh + 1)) // sh + 1, (w + l + r - ((kw - 1) * dw + 1)) // sw + 1
        if [oh, ow, out_c] != out_t.shape[1:]:
            raise common.ConversionError(f"{name}: computed output {oh}x{ow}x{out_c}, file says {out_t.shape}")
        self.names[op.outputs[0]] = out

    def pool(self, op: tfl.Operator, kind: str):
        in_t, out_t = self.m.tensors[op.inputs[0]], self.m.tensors[op.outputs[0]]
        o = op.options
        name = self.unique(out_t.name.split(";")[0])
        _, h, w, _ = in_t.shape
        kh, kw, sh, sw = o["filter_height"], o["filter_width"], o["stride_h"], o["stride_w"]
        if tfl.PADDING[o["padding"]] == "SAME":
            (t, b), (l, r) = common.same_pads(h, kh, sh, 1), common.same_pads(w, kw, sw, 1)
        else:
            t = b = l = r = 0
        op_type = "AveragePool" if kind == "avg" else "MaxPool"
        attrs = {"count_include_pad": 0} if kind == "avg" else {}  # TF averages over real pixels only
        act = o["fused_activation_function"]
        pool_out = self.unique(f"{name}/pool" if act else name)
        self.nodes.append(helper.make_node(op_type, [self.names[op.inputs[0]]], [pool_out], name=name,
                                           kernel_shape=[kh, kw], strides=[sh, sw], pads=[t, l, b, r], **attrs))
        self.names[op.outputs[0]] = self.activation(name, act, pool_out, self.unique(f"{name}/out"))

    def add(self, op: tfl.Operator):
        out_t = self.m.tensors[op.outputs[0]]
        name = self.unique(layer_name(out_t) + "/add")
        act = op.options.get("fused_activation_function", 0)
        add_out = self.unique(f"{name}/sum" if act else name)
        for i in op.inputs:
            if self.m.tensors[i].data is not None:
                raise common.ConversionError(f"{name}: ADD of a constant tensor not supported")
        self.nodes.append(helper.make_node("Add", [self.names[i] for i in op.inputs], [add_out], name=name))
        self.names[op.outputs[0]] = self.activation(name, act, add_out, self.unique(f"{name}/out"))

    def to_vector(self, op: tfl.Operator):
        """RESHAPE / SQUEEZE of [1, 1, 1, C] to [1, C]: a Flatten, independent of the batch size."""
        in_t, out_t = self.m.tensors[op.inputs[0]], self.m.tensors[op.outputs[0]]
        if len(in_t.shape) != 4 or in_t.shape[1:3] != [1, 1] or out_t.shape != [in_t.shape[0], in_t.shape[3]]:
            raise common.ConversionError(f"{op.opcode} {in_t.shape} -> {out_t.shape}: only [N,1,1,C] -> [N,C]")
        name = self.unique(out_t.name.split(";")[0])
        self.nodes.append(helper.make_node("Flatten", [self.names[op.inputs[0]]], [name], name=name, axis=1))
        self.names[op.outputs[0]] = name

    def build(self, graph_name: str) -> Tuple[onnx.ModelProto, tfl.Tensor, int]:
        m = self.m
        if len(m.inputs) != 1 or len(m.outputs) != 1:
            raise common.ConversionError(f"{self.path}: want one input and one output")
        in_t = m.tensors[m.inputs[0]]
        if len(in_t.shape) != 4:
            raise common.ConversionError(f"{self.path}: input shape {in_t.shape} is not NHWC")
        self.names[m.inputs[0]] = "input"
        self.used_names.add("input")
        final = m.outputs[0]
        for k, op in enumerate(m.operators):
            if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                self.conv(op, op.opcode == "DEPTHWISE_CONV_2D")
            elif op.opcode == "AVERAGE_POOL_2D":
                self.pool(op, "avg")
            elif op.opcode == "MAX_POOL_2D":
                self.pool(op, "max")
            elif op.opcode == "ADD":
                self.add(op)
            elif op.opcode in ("RESHAPE", "SQUEEZE"):
                self.to_vector(op)
            elif op.opcode in ("QUANTIZE", "DEQUANTIZE"):
                self.names[op.outputs[0]] = self.names[op.inputs[0]]  # float graph: a no-op
            elif op.opcode == "SOFTMAX":
                if op.outputs[0] != final:
                    raise common.ConversionError(f"{self.path}: SOFTMAX inside the graph (operator {k})")
                final = op.inputs[0]  # stripped: the output is logits
            else:
                raise common.ConversionError(f"{self.path}: operator {k} {op.opcode} not supported")
        last = self.names[final]
        for node in self.nodes:
            node.output[:] = ["logits" if t == last else t for t in node.output]
            node.input[:] = ["logits" if t == last else t for t in node.input]
        classes = m.tensors[final].shape[-1]
        _, h, w, c = in_t.shape
        graph = helper.make_graph(
            self.nodes, graph_name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", common.OPSET)],
                                  producer_name="flipguard scripts/convert/tflite_mobilenet.py")
        model.ir_version = 7
        return model, in_t, classes


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--assets", default="")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    args = p.parse_args()
    name = args.model
    file, reference = MODELS[name]
    try:
        rel = f"imagenet-models/{file}"
        src = common.verified_source(os.path.join(common.assets_dir(args.assets), rel), rel)
        model, in_t, classes = Converter(tfl.read(src), src).build(name)
        q = in_t.quant
        if in_t.type != 3 or q is None or q.scale.size != 1:
            raise common.ConversionError(f"{src}: input is not per-tensor uint8-quantized")
        scale, zero = float(q.scale[0]), float(q.zero_point[0])
        out = os.path.normpath(args.out)
        path = common.save_model(model, out, name)
        _, h, w, c = in_t.shape
        common.write_sidecar(
            out, name,
            source=f"google-coral/test_data {file} (uint8-quantized TFLite), weights dequantized to float32, "
                   "activations computed in float (not quantized), converted by scripts/convert/tflite_mobilenet.py",
            input_name="input", chw=(c, h, w), output_name="logits", classes=classes, label_offset=1,
            # uint8 pixel q feeds the model as real = scale * (q - zero_point) = (q - zero_point) / (1 / scale)
            preprocess={"resize_to": [h, w], "resize_filter": RESIZE_FILTER, "channel_order": "RGB", "scale": 1.0,
                        "mean": [zero] * c, "std": [1.0 / scale] * c},
            dataset="imagenet-val1300", reference_top1=reference, notes=NOTES.get(name))
        print(f"convert {name}: wrote {path} ({len(model.graph.node)} nodes)")
    except Exception as e:
        common.fail(name, str(e))


if __name__ == "__main__":
    main()
