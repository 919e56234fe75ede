#!/usr/bin/python3
"""Tests of the converters: each builds a graph that is run with the reference interpreter and compared with
the same network computed directly (torch.nn.functional on the source weights, with the padding worked out by
hand), so layout, padding and rounding mistakes in a converter show up as numeric differences.

Run: /usr/bin/python3 -m unittest discover -s scripts/convert -p 'test_*.py'
"""

import math
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reference"))
import common  # noqa: E402
import ncnn_squeezenet  # noqa: E402
import tfjs_resnet50  # noqa: E402
import tflite_mobilenet  # noqa: E402
import tflite_reader  # noqa: E402
from interpreter import OnnxReference  # noqa: E402

RNG = np.random.default_rng(7)


def run_onnx(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.onnx")
        onnx.save(model, path)
        return OnnxReference(path).run(torch.from_numpy(x)).numpy()


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


class SamePadsTest(unittest.TestCase):
    def test_tensorflow_same_rule(self):
        self.assertEqual(common.same_pads(224, 3, 2), (0, 1))  # 112 outputs need 225 pixels: one at the end
        self.assertEqual(common.same_pads(224, 7, 2), (2, 3))
        self.assertEqual(common.same_pads(56, 3, 1), (1, 1))
        self.assertEqual(common.same_pads(7, 1, 1), (0, 0))
        self.assertEqual(common.same_pads(5, 3, 1, d=2), (2, 2))


class TfjsBuildTest(unittest.TestCase):
    def test_keras_graph_matches_direct_computation(self):
        def layer(name, cls, inbound, **cfg):
            return {"name": name, "class_name": cls, "config": {"name": name, **cfg},
                    "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []}

        conv = dict(padding="valid", strides=[2, 2], dilation_rate=[1, 1], activation="linear", use_bias=True)
        layers = [
            layer("input_1", "InputLayer", [], batch_input_shape=[None, 10, 10, 2]),
            layer("pad1", "ZeroPadding2D", ["input_1"], padding=[[1, 1], [1, 1]]),
            layer("c1", "Conv2D", ["pad1"], filters=3, kernel_size=[3, 3], **conv),
            layer("bn", "BatchNormalization", ["c1"], axis=[3], epsilon=0.001),
            layer("relu", "Activation", ["bn"], activation="relu"),
            layer("pad2", "ZeroPadding2D", ["relu"], padding=[[1, 1], [1, 1]]),
            layer("mp", "MaxPooling2D", ["pad2"], pool_size=[3, 3], strides=[2, 2], padding="valid"),
            layer("c2", "Conv2D", ["mp"], filters=4, kernel_size=[2, 2], **{**conv, "padding": "same"}),
            layer("c3", "Conv2D", ["c2"], filters=4, kernel_size=[3, 3],
                  **{**conv, "padding": "same", "strides": [1, 1]}),
            layer("add", "Add", ["c2", "c3"]),
            layer("gap", "GlobalAveragePooling2D", ["add"]),
            layer("fc", "Dense", ["gap"], units=5, activation="softmax", use_bias=True),
        ]
        spec = {"modelTopology": {"model_config": {"config": {"layers": layers, "output_layers": [["fc", 0, 0]]}}}}
        f32 = lambda *s: RNG.standard_normal(s).astype(np.float32)  # noqa: E731
        w = {"c1/kernel": f32(3, 3, 2, 3), "c1/bias": f32(3), "bn/gamma": f32(3), "bn/beta": f32(3),
             "bn/moving_mean": f32(3), "bn/moving_variance": RNG.uniform(0.5, 2, 3).astype(np.float32),
             "c2/kernel": f32(2, 2, 3, 4), "c2/bias": f32(4), "c3/kernel": f32(3, 3, 4, 4), "c3/bias": f32(4),
             "fc/kernel": f32(4, 5), "fc/bias": f32(5)}
        model, chw, classes = tfjs_resnet50.build(spec, w)
        self.assertEqual((chw, classes), ((2, 10, 10), 5))
        x = f32(2, 2, 10, 10)
        got = run_onnx(model, x)

        def hwio(k):
            return t(w[k].transpose(3, 2, 0, 1))

        y = F.conv2d(F.pad(t(x), (1, 1, 1, 1)), hwio("c1/kernel"), t(w["c1/bias"]), stride=2)  # 12 -> 5
        y = F.batch_norm(y, t(w["bn/moving_mean"]), t(w["bn/moving_variance"]), t(w["bn/gamma"]), t(w["bn/beta"]),
                         eps=0.001)
        y = F.max_pool2d(F.pad(torch.relu(y), (1, 1, 1, 1)), 3, 2)  # 7 -> 3
        a = F.conv2d(F.pad(y, (0, 1, 0, 1)), hwio("c2/kernel"), t(w["c2/bias"]), stride=2)  # SAME: 3 -> 2
        b = F.conv2d(F.pad(a, (1, 1, 1, 1)), hwio("c3/kernel"), t(w["c3/bias"]))
        want = ((a + b).mean(dim=(2, 3)) @ t(w["fc/kernel"]) + t(w["fc/bias"])).numpy()  # logits, no softmax
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)

    def test_unused_weight_is_an_error(self):
        layers = [{"name": "input_1", "class_name": "InputLayer", "config": {"batch_input_shape": [None, 2, 2, 1]},
                   "inbound_nodes": []}]
        spec = {"modelTopology": {"model_config": {"config": {"layers": layers, "output_layers": [["input_1", 0, 0]]}}}}
        with self.assertRaisesRegex(common.ConversionError, "never used"):
            tfjs_resnet50.build(spec, {"stray/kernel": np.zeros(1, np.float32)})


class NcnnTest(unittest.TestCase):
    PARAM = """7767517
5 6
Input            data   0 1 data 0=5 1=5 2=3
Convolution      conv1  1 1 data c1 0=1 1=3 4=1 5=1 6=27 9=1
Convolution      conv2  1 1 c1 c2 0=2 1=1 5=1 6=2
Pooling          pool   1 1 c2 p 0=0 1=2 2=2
Softmax          prob   1 1 p prob 0=0
"""

    def test_fp16_and_fp32_blocks_and_ceil_pooling(self):
        w1 = RNG.standard_normal((1, 3, 3, 3)).astype(np.float16)  # 27 halves: 54 bytes, padded to 56
        b1 = RNG.standard_normal(1).astype(np.float32)
        w2 = RNG.standard_normal((2, 1, 1, 1)).astype(np.float32)
        b2 = RNG.standard_normal(2).astype(np.float32)
        blob = (struct.pack("<I", ncnn_squeezenet.TAG_FP16) + w1.tobytes() + b"\0\0" + b1.tobytes()
                + struct.pack("<I", 0) + w2.tobytes() + b2.tobytes())
        with tempfile.TemporaryDirectory() as d:
            param, binf = os.path.join(d, "m.param"), os.path.join(d, "m.bin")
            with open(param, "w") as f:
                f.write(self.PARAM)
            with open(binf, "wb") as f:
                f.write(blob)
            model, chw, classes = ncnn_squeezenet.build(ncnn_squeezenet.parse_param(param),
                                                        ncnn_squeezenet.WeightReader(binf))
            with open(binf, "wb") as f:
                f.write(blob + b"\0\0\0\0")
            with self.assertRaisesRegex(common.ConversionError, "4 bytes left unread"):
                ncnn_squeezenet.build(ncnn_squeezenet.parse_param(param), ncnn_squeezenet.WeightReader(binf))
        self.assertEqual(chw, (3, 5, 5))
        self.assertNotIn("Softmax", [n.op_type for n in model.graph.node])
        x = RNG.standard_normal((2, 3, 5, 5)).astype(np.float32)
        y = torch.relu(F.conv2d(t(x), t(w1.astype(np.float32)), t(b1), padding=1))
        y = F.conv2d(y, t(w2), t(b2))
        # ncnn "full" padding: 5x5 with 2x2/2 windows gives 3x3, the last row/column window half outside.
        y = F.pad(y, (0, 1, 0, 1), value=-math.inf)
        want = F.max_pool2d(y, 2, 2).reshape(2, -1).numpy()
        np.testing.assert_allclose(run_onnx(model, x), want, rtol=1e-5, atol=1e-5)


def tflite_direct(m: tflite_reader.Model, x: torch.Tensor) -> torch.Tensor:
    """Runs the TFLite graph in float straight from the flatbuffer, NCHW, with explicit SAME padding."""
    v = {m.inputs[0]: x}
    for op in m.operators:
        o = op.options
        if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            xi = v[op.inputs[0]]
            w = t(m.tensors[op.inputs[1]].dequantized())
            b = t(m.tensors[op.inputs[2]].dequantized())
            w, g = (w.permute(0, 3, 1, 2), 1) if op.opcode == "CONV_2D" else (w.permute(3, 0, 1, 2), xi.shape[1])
            if o["padding"] == 0:
                pt = common.same_pads(xi.shape[2], w.shape[2], o["stride_h"])
                pl = common.same_pads(xi.shape[3], w.shape[3], o["stride_w"])
                xi = F.pad(xi, (pl[0], pl[1], pt[0], pt[1]))
            y = F.conv2d(xi, w.contiguous(), b, stride=(o["stride_h"], o["stride_w"]), groups=g)
            v[op.outputs[0]] = torch.clamp(y, 0, 6) if o["fused_activation_function"] == 3 else y
        elif op.opcode == "AVERAGE_POOL_2D":
            v[op.outputs[0]] = F.avg_pool2d(v[op.inputs[0]], (o["filter_height"], o["filter_width"]),
                                            (o["stride_h"], o["stride_w"]))
        elif op.opcode == "ADD":
            v[op.outputs[0]] = v[op.inputs[0]] + v[op.inputs[1]]
        elif op.opcode == "RESHAPE":
            v[op.outputs[0]] = v[op.inputs[0]].flatten(1)
        elif op.opcode == "SOFTMAX":
            v[op.outputs[0]] = v[op.inputs[0]]
        else:
            raise AssertionError(f"test executor lacks {op.opcode}")
    return v[m.outputs[0]]


class TfliteTest(unittest.TestCase):
    PATH = os.path.join(common.assets_dir(), "imagenet-models", "mobilenet_v1_0.25_128_quant.tflite")

    @unittest.skipUnless(os.path.exists(PATH), "assets not available")
    def test_reader_and_conversion_match_direct_execution(self):
        m = tflite_reader.read(self.PATH)
        inp = m.tensors[m.inputs[0]]
        self.assertEqual((inp.shape, inp.type), ([1, 128, 128, 3], 3))
        self.assertEqual(m.operators[-1].opcode, "SOFTMAX")
        w = m.tensors[m.operators[0].inputs[1]]
        q = w.data.astype(np.float64)
        np.testing.assert_allclose(w.dequantized(), w.quant.scale[0] * (q - w.quant.zero_point[0]), rtol=1e-6)
        model, _, classes = tflite_mobilenet.Converter(m, self.PATH).build("mbv1")
        self.assertEqual(classes, 1001)
        x = RNG.uniform(-1, 1, (2, 3, 128, 128)).astype(np.float32)
        want = tflite_direct(m, t(x)).numpy()
        np.testing.assert_allclose(run_onnx(model, x), want, rtol=1e-4, atol=1e-4)

    def test_not_a_flatbuffer(self):
        with tempfile.NamedTemporaryFile(suffix=".tflite") as f:
            f.write(b"\0" * 64)
            f.flush()
            with self.assertRaisesRegex(tflite_reader.TFLiteError, "TFL3"):
                tflite_reader.read(f.name)


if __name__ == "__main__":
    unittest.main()
