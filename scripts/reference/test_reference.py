#!/usr/bin/python3
"""Tests of the reference interpreter and preprocessing against direct numpy computations.

Run: /usr/bin/python3 -m unittest discover -s scripts/reference -p 'test_*.py'
"""

import math
from fractions import Fraction
import os
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from datasets import preprocess, resize_bilinear_noaa  # noqa: E402
from interpreter import OnnxReference, UnsupportedModel  # noqa: E402

RNG = np.random.default_rng(1234)


def run_single(op, x, inits=(), extra_inputs=(), opset=13, **attrs):
    """Builds a one-node model op(x, *extra_inputs) and runs it with the interpreter."""
    init_protos = [numpy_helper.from_array(a, n) for n, a in inits]
    node = helper.make_node(op, ["x", *extra_inputs], ["y"], name="n", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], init_protos)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.onnx")
        onnx.save(model, path)
        return OnnxReference(path).run(torch.from_numpy(x)).numpy()


def naive_conv(x, w, b, stride, pads, group=1):
    """Direct loops: pads = [top, left, bottom, right]."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), np.float64)
    xp[:, :, pads[0] : pads[0] + h, pads[1] : pads[1] + wd] = x
    oh = (xp.shape[2] - kh) // stride + 1
    ow = (xp.shape[3] - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    og = o // group
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg : (g + 1) * cg, i * stride : i * stride + kh, j * stride : j * stride + kw]
                y[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + (b[oc] if b is not None else 0)
    return y


class InterpreterTest(unittest.TestCase):
    def test_conv_asymmetric_pads_and_groups(self):
        x = RNG.standard_normal((2, 4, 7, 6)).astype(np.float32)
        w = RNG.standard_normal((6, 2, 3, 3)).astype(np.float32)
        b = RNG.standard_normal(6).astype(np.float32)
        pads = [0, 1, 2, 1]
        y = run_single("Conv", x, [("w", w), ("b", b)], ["w", "b"], kernel_shape=[3, 3], strides=[2, 2],
                       pads=pads, group=2)
        np.testing.assert_allclose(y, naive_conv(x, w, b, 2, pads, group=2), rtol=1e-4, atol=1e-4)

    def test_conv_same_upper_matches_explicit_pads(self):
        x = RNG.standard_normal((1, 2, 8, 8)).astype(np.float32)
        w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
        # 8 -> 4 with stride 2, kernel 3: total pad 1, SAME_UPPER puts it at the end.
        y = run_single("Conv", x, [("w", w)], ["w"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
        np.testing.assert_allclose(y, naive_conv(x, w, None, 2, [0, 0, 1, 1]), rtol=1e-4, atol=1e-4)

    def test_maxpool_ceil_mode(self):
        x = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
        y = run_single("MaxPool", x, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
        # ceil((6-3)/2)+1 = 3 windows per axis; the last covers rows/cols 4..5 only.
        self.assertEqual(y.shape, (1, 2, 3, 3))
        for i in range(3):
            for j in range(3):
                window = x[:, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
                np.testing.assert_array_equal(y[:, :, i, j], window.max(axis=(2, 3)))

    def test_average_pool_excludes_padding(self):
        x = RNG.standard_normal((1, 1, 4, 4)).astype(np.float32)
        y = run_single("AveragePool", x, kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
        self.assertEqual(y.shape, (1, 1, 4, 4))
        for i in range(4):
            for j in range(4):
                window = x[0, 0, max(i - 1, 0) : i + 2, max(j - 1, 0) : j + 2]
                self.assertAlmostEqual(float(y[0, 0, i, j]), float(window.mean()), places=5)

    def test_gemm_trans_b_alpha_beta(self):
        a = RNG.standard_normal((3, 5)).astype(np.float32)
        b = RNG.standard_normal((4, 5)).astype(np.float32)
        c = RNG.standard_normal(4).astype(np.float32)
        y = run_single("Gemm", a, [("b", b), ("c", c)], ["b", "c"], transB=1, alpha=0.5, beta=2.0)
        np.testing.assert_allclose(y, 0.5 * a @ b.T + 2.0 * c, rtol=1e-5, atol=1e-5)

    def test_batchnorm(self):
        x = RNG.standard_normal((2, 3, 2, 2)).astype(np.float32)
        s, bb, m = (RNG.standard_normal(3).astype(np.float32) for _ in range(3))
        v = RNG.uniform(0.1, 2, 3).astype(np.float32)
        y = run_single("BatchNormalization", x, [("s", s), ("b", bb), ("m", m), ("v", v)], ["s", "b", "m", "v"],
                       epsilon=1e-3)
        r = lambda a: a.reshape(1, 3, 1, 1)  # noqa: E731
        np.testing.assert_allclose(y, (x - r(m)) / np.sqrt(r(v) + 1e-3) * r(s) + r(bb), rtol=1e-5, atol=1e-5)

    def test_pad_channels_and_slice(self):
        x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
        pads = np.array([0, 2, 0, 0, 0, 1, 0, 0], np.int64)
        y = run_single("Pad", x, [("p", pads)], ["p"], mode="constant")
        self.assertEqual(y.shape, (2, 6, 4, 4))
        np.testing.assert_array_equal(y[:, 2:5], x)
        self.assertEqual(float(np.abs(y[:, :2]).sum() + np.abs(y[:, 5:]).sum()), 0.0)
        inits = [("s", np.array([0, 1], np.int64)), ("e", np.array([100, -1], np.int64)),
                 ("a", np.array([2, 3], np.int64)), ("t", np.array([2, 2], np.int64))]
        y = run_single("Slice", x, inits, ["s", "e", "a", "t"])
        np.testing.assert_array_equal(y, x[:, :, 0:100:2, 1:-1:2])

    def test_clip_inputs_and_flatten(self):
        x = RNG.standard_normal((2, 3, 2, 2)).astype(np.float32) * 10
        y = run_single("Clip", x, [("lo", np.array(0, np.float32)), ("hi", np.array(6, np.float32))], ["lo", "hi"])
        np.testing.assert_array_equal(y, np.clip(x, 0, 6))
        self.assertEqual(run_single("Flatten", x, axis=1).shape, (2, 12))

    def test_unsupported_operator_is_named(self):
        with self.assertRaisesRegex(UnsupportedModel, "LRN"):
            run_single("LRN", np.zeros((1, 1, 2, 2), np.float32), size=3)


class PreprocessTest(unittest.TestCase):
    def setUp(self):
        self.img = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)

    def test_bgr_mean_std_and_center_crop(self):
        spec = {"crop": [4, 4], "channel_order": "BGR", "scale": 2.0, "mean": [1.0, 2.0, 3.0], "std": [2.0, 4.0, 8.0]}
        x = preprocess(self.img, spec, 3, 4, 4)
        crop = self.img[1:5, 2:6].astype(np.float32)  # (6-4)//2 = 1 rows, (8-4)//2 = 2 columns
        for c, src in enumerate([2, 1, 0]):
            np.testing.assert_allclose(x[c], (crop[:, :, src] * 2.0 - spec["mean"][c]) / spec["std"][c], rtol=1e-6)

    def test_resize_shorter_keeps_aspect(self):
        spec = {"resize_shorter": 3, "channel_order": "RGB"}
        x = preprocess(self.img, spec, 3, 3, 4)
        want = np.asarray(Image.fromarray(self.img).resize((4, 3), Image.BILINEAR), np.float32)
        np.testing.assert_array_equal(x, want.transpose(2, 0, 1))

    def test_gray_of_colour_is_luma(self):
        x = preprocess(self.img, {"channel_order": "GRAY"}, 1, 6, 8)
        luma = self.img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        self.assertLessEqual(float(np.abs(x[0] - luma).max()), 1.0)

    def test_size_mismatch_is_reported(self):
        with self.assertRaisesRegex(ValueError, "model input wants 5x5x3"):
            preprocess(self.img, {"channel_order": "RGB"}, 3, 5, 5)


def noaa_loops(a, oh, ow):
    """The documented "bilinear-noaa" definition written out pixel by pixel with exact fractions."""
    def tap(k, n_in, n_out):
        src = max(Fraction(0), (k + Fraction(1, 2)) * n_in / n_out - Fraction(1, 2))
        i0 = min(math.floor(src), n_in - 1)
        w1 = math.floor((src - i0) * 2**22 + Fraction(1, 2))
        return i0, min(i0 + 1, n_in - 1), 2**22 - w1, w1

    out = np.zeros((oh, ow, a.shape[2]), np.uint8)
    for y in range(oh):
        y0, y1, wy0, wy1 = tap(y, a.shape[0], oh)
        for x in range(ow):
            x0, x1, wx0, wx1 = tap(x, a.shape[1], ow)
            for c in range(a.shape[2]):
                h0 = wx0 * int(a[y0, x0, c]) + wx1 * int(a[y0, x1, c])
                h1 = wx0 * int(a[y1, x0, c]) + wx1 * int(a[y1, x1, c])
                out[y, x, c] = math.floor(Fraction(wy0 * h0 + wy1 * h1, 2**44) + Fraction(1, 2))
    return out


class ResizeNoaaTest(unittest.TestCase):
    def test_matches_the_definition(self):
        for (h, w, c), (oh, ow) in [((23, 31, 3), (9, 13)), ((23, 31, 3), (50, 40)), ((17, 5, 1), (4, 11)),
                                    ((8, 8, 3), (1, 1)), ((227, 227, 3), (128, 128))]:
            a = RNG.integers(0, 256, (h, w, c), dtype=np.uint8)
            got = resize_bilinear_noaa(a if c == 3 else a[:, :, 0], oh, ow)
            got = got if c == 3 else got[:, :, None]
            np.testing.assert_array_equal(got, noaa_loops(a, oh, ow), err_msg=f"{h}x{w}x{c} -> {oh}x{ow}")

    def test_agrees_with_torch_interpolate(self):
        # torch's bilinear without antialiasing, unrounded, on float64: equal up to summation order.
        rng = np.random.default_rng(3)
        for _ in range(30):
            h, w, oh, ow = [int(v) for v in rng.integers(1, 60, 4)]
            a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            t = torch.from_numpy(a.astype(np.float64).transpose(2, 0, 1).copy())[None]
            want = F.interpolate(t, size=(oh, ow), mode="bilinear", align_corners=False, antialias=False)
            want = want[0].numpy().transpose(1, 2, 0)
            got = resize_bilinear_noaa(a, oh, ow).astype(np.float64)
            # The 22-bit weights move a value by at most 4 * 255 * 2**-23 < 2e-4 before the rounding.
            self.assertLessEqual(float(np.abs(got - want).max()), 0.5 + 2e-4, f"{h}x{w} -> {oh}x{ow}")
            differ = got != np.floor(want + 0.5)
            self.assertTrue(np.all(np.abs(want[differ] % 1.0 - 0.5) < 2e-4), f"{h}x{w} -> {oh}x{ow}")

    def test_shrinking_reads_only_two_taps(self):
        # 4x shrink: output x reads source columns 4x+1 and 4x+2 only, so bright columns 4x are invisible to it
        # while PIL's antialiased filter (support 4) averages them in.
        a = np.zeros((8, 32, 3), np.uint8)
        a[:, 0::4] = 255
        self.assertEqual(int(resize_bilinear_noaa(a, 2, 8).max()), 0)
        self.assertGreater(int(np.asarray(Image.fromarray(a).resize((8, 2), Image.BILINEAR)).min()), 30)

    def test_sidecar_filter(self):
        spec = {"resize_to": [3, 5], "resize_filter": "bilinear-noaa", "channel_order": "RGB"}
        x = preprocess(self.img(), spec, 3, 3, 5)
        np.testing.assert_array_equal(x, resize_bilinear_noaa(self.img(), 3, 5).astype(np.float32).transpose(2, 0, 1))
        with self.assertRaisesRegex(ValueError, "resize_filter 'bicubic'"):
            preprocess(self.img(), dict(spec, resize_filter="bicubic"), 3, 3, 5)

    @staticmethod
    def img():
        return np.random.default_rng(7).integers(0, 256, (6, 8, 3), dtype=np.uint8)


if __name__ == "__main__":
    unittest.main()
