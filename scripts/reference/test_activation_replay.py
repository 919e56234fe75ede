#!/usr/bin/python3
"""End-to-end check of flipguard's activation faults against the reference: `flipguard run --site activations
--dump-faults` on a model, the dumped faults replayed through `onnx_reference.py replay`, the two sets of logits
compared. Agreement means flipguard rounds the values it lists to the storage format, puts each fault on the
value, image and [n, c, h, w] its dump names and applies the NaN guard as documented; the faulty logits must
also differ from the clean ones, so a replay that ignored the faults would fail.

The flipguard CLI is $FLIPGUARD_BINARY (CTest sets it; the models and the shared assets are then required and
their absence fails the test). Run by hand without it, the test looks for build/flipguard and skips, saying
why, when that, the converted models or the assets are missing.

Run: FLIPGUARD_BINARY=build/flipguard /usr/bin/python3 -m unittest discover -s scripts/reference -p 'test_*.py'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from typing import List, Optional, Tuple

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from activation_replay import read_faults, round_bf16  # noqa: E402
from datasets import assets_dir, load_dataset, preprocess  # noqa: E402
from interpreter import OnnxReference  # noqa: E402

PYTHON = sys.executable or "/usr/bin/python3"
REFERENCE = os.path.join(HERE, "onnx_reference.py")
MODELS = os.environ.get("FLIPGUARD_MODELS", os.path.join(ROOT, "models"))
IMAGES = list(range(0, 192, 12))  # 16 cifar10-lossless200 images, all ten classes among them
REL_TOL = 1e-5  # of the logit scale: what is left of float32 summation-order differences


def _flipguard() -> Tuple[Optional[str], str]:
    """The CLI, or None and why not. Under CTest FLIPGUARD_BINARY is set and what it needs is required."""
    required = "FLIPGUARD_BINARY" in os.environ
    binary = os.environ.get("FLIPGUARD_BINARY") or os.path.join(ROOT, "build", "flipguard")
    needs = [(binary, "the flipguard CLI (set FLIPGUARD_BINARY)"),
             (os.path.join(MODELS, "resnet20.json"), "the converted models (models/, or $FLIPGUARD_MODELS)"),
             (os.path.join(assets_dir(), "cifar10", "test-lossless-200"), "the shared assets (cifar10)")]
    for path, what in needs:
        if not os.path.exists(path):
            if required:
                raise AssertionError(f"{path} is missing: {what}")
            return None, f"{path} is missing: {what}; activation replay not checked"
    return binary, ""


BINARY, WHY_NOT = _flipguard()


LOOSE_ULPS = 4  # whole-network fp16/bf16 runs: allowed difference in ulps of the format at the row's scale


def ulp_steps(fmt: str, v, steps: float = LOOSE_ULPS) -> np.ndarray:
    """`steps` spacings of the storage format at |v| (0 for fp32, whose rounding the comparison does not need)."""
    a = np.abs(np.asarray(v, np.float64))
    if fmt == "fp32":
        return np.zeros_like(a)
    mant, emin = {"fp16": (10, -14), "bf16": (7, -126)}[fmt]
    e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
    return steps * np.exp2(np.maximum(e, emin) - mant)


def compare(got: np.ndarray, want: np.ndarray, clean_scale: float, fmt: str) -> Tuple[bool, float, str]:
    """Whether the reference's logits `got` agree with flipguard's `want`: non-finite at the same places, and
    elsewhere |got - want| <= REL_TOL * scale (+ LOOSE_ULPS ulps of `fmt` at the scale; fmt "fp32": none).
    The scale is the larger of the clean run's max |logit| and that row's own: a fault can make a row's logits
    1e30, and float32 noise scales with them. Returns (ok, worst |diff| / scale, a description)."""
    fin_got, fin_want = np.isfinite(got), np.isfinite(want)
    if not np.array_equal(fin_got, fin_want):
        where = np.argwhere(fin_got != fin_want)[:5].tolist()
        return False, float("inf"), f"non-finite logits at different places, e.g. [row, class] {where}"
    both = fin_got & fin_want
    row_max = np.where(both, np.abs(want), 0).max(axis=1, keepdims=True)
    scale = np.maximum(clean_scale, row_max)
    diff = np.abs(np.where(both, got, 0).astype(np.float64) - np.where(both, want, 0))
    ulp = ulp_steps(fmt, scale)
    bad = diff > REL_TOL * scale + ulp
    worst = float((diff / scale).max())
    if bad.any():
        r, c = np.argwhere(bad)[0]
        return False, worst, (f"{int(bad.sum())} logits differ, e.g. [{r}, {c}]: reference {got[r, c]!r}, "
                              f"flipguard {want[r, c]!r} (scale {float(scale[r, 0]):g}, ulp {float(ulp[r, 0]):g})")
    return True, worst, f"max |diff| / scale {worst:.3g}, {int((~both).sum())} non-finite in both"


@unittest.skipIf(BINARY is None, WHY_NOT)
class ActivationReplayTest(unittest.TestCase):
    """flipguard's faulty logits against the reference's replay of its fault dump."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        # The run's images as model inputs in a .npy: flipguard runs every row in order (row n = dataset index
        # n), which fixes the [n, ...] of the dump without reproducing the stratified --limit subset, and both
        # sides read the same float32 inputs (preprocessing is checked elsewhere).
        with open(os.path.join(MODELS, "resnet20.json")) as f:
            spec = json.load(f)
        items = load_dataset("cifar10-lossless200")
        inp = spec["input"]
        x = np.stack([preprocess(items[i][0](), spec["preprocess"], inp["channels"], inp["height"], inp["width"])
                      for i in IMAGES])
        cls.resnet20_inputs = cls.path("resnet20_x.npy")
        np.save(cls.resnet20_inputs, x)
        cls.resnet20 = os.path.join(MODELS, "resnet20.json")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name: str) -> str:
        return os.path.join(cls.dir, name)

    def flipguard(self, *args: str) -> str:
        r = subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r.returncode, 0, f"flipguard {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
        return r.stdout

    def replay(self, model: str, inputs: str, fmt: str, protection: str, values: str,
               faults: Optional[str], out: str) -> dict:
        stats = out + ".stats.json"
        cmd = [PYTHON, REFERENCE, "replay", "--model", model, "--inputs", inputs, "--format", fmt,
               "--protection", protection, "--values", values, "--out", out, "--stats", stats]
        if faults:
            cmd += ["--faults", faults]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
        with open(stats) as f:
            return dict(json.load(f), report=r.stdout.strip())

    def check(self, model: str, inputs: str, fmt: str, protection: str, ber: str, tensors: str = "all",
              strict: bool = True, min_faults: int = 20, replay_protection: Optional[str] = None) -> None:
        """Runs flipguard clean (fp32 and the format) and faulty with its dump, replays both and compares.
        strict: within REL_TOL of the scale, for runs whose stored values the two sides round alike (fp32,
        or only values early in the network, before float32 differences accumulate). Otherwise LOOSE_ULPS ulps
        of the format at the row's scale are allowed on top: independent float32 arithmetic (oneDNN against
        torch) leaves some elements a float32 ulp apart across an fp16/bf16 rounding boundary, so they store
        one ulp of the format apart; over many stored values and with the logits themselves stored in the
        format last, that reaches about one ulp of the format at the row's scale (up to 1.3 measured).
        replay_protection: what the reference applies (default: `protection`); under ECC the dump lists the
        words as decoded, so the replay sets them and protects nothing more ("none")."""
        tag = f"{os.path.basename(model)}-{fmt}-{protection}" + ("-subset" if tensors != "all" else "")
        values = self.path(f"{tag}.values.txt")
        with open(values, "w") as f:
            f.write(self.flipguard("inspect-model", "--model", model, "--site", "activations", "--formats", fmt,
                                   "--tensors", tensors))
        common = ["run", "--model", model, "--data", inputs]
        plain = self.path(f"{tag}.plain.npy")
        self.flipguard(*common, "--out", plain)
        common += ["--site", "activations", "--tensors", tensors, "--format", fmt, "--protection", protection]
        clean, faulty, dump = (self.path(f"{tag}.{s}") for s in ("clean.npy", "faulty.npy", "faults.jsonl"))
        self.flipguard(*common, "--out", clean)
        self.flipguard(*common, "--ber", ber, "--out", faulty, "--dump-faults", dump)
        faults = read_faults(dump, fmt)
        self.assertGreaterEqual(len(faults), min_faults, f"{tag}: too few faults at BER {ber} to be a test")
        want_plain, want_clean, want_faulty = np.load(plain), np.load(clean), np.load(faulty)
        scale = float(np.abs(want_plain).max())
        tol_fmt = "fp32" if strict else fmt

        got_clean, got_faulty = self.path(f"{tag}.ref-clean.npy"), self.path(f"{tag}.ref-faulty.npy")
        replayed = replay_protection or protection
        self.replay(model, inputs, fmt, replayed, values, None, got_clean)
        stats = self.replay(model, inputs, fmt, replayed, values, dump, got_faulty)
        ok, worst_clean, text = compare(np.load(got_clean), want_clean, scale, tol_fmt)
        self.assertTrue(ok, f"{tag} clean: {text}")
        ok, worst, text = compare(np.load(got_faulty), want_faulty, scale, tol_fmt)
        self.assertTrue(ok, f"{tag} with {len(faults)} faults: {text}\n{stats['report']}")
        self.assertEqual(stats["faults_applied"], len(faults))
        if protection == "nanguard":
            self.assertGreater(stats["guarded"], 0, f"{tag}: no non-finite element for the guard to zero")
        # Each fault must land on the element that holds, in the reference, what flipguard's dump says it held
        # (up to float32 noise, or in the loose cases a few ulps of the format where rounding went apart) ...
        self.assertLessEqual(stats["max_before_error"], REL_TOL + (0 if strict else ulp_steps(fmt, 1.0)),
                             f"{tag}: faulted elements hold other values in the reference\n{stats['report']}")
        # ... except downstream of an earlier non-finite fault in the same image, where the dump holds the words
        # of flipguard's first, NaN-swallowing pass (activation_replay.ReplayStats.nonfinite_before_rows).
        nonfinite_rows = {f.index[0] for f in faults if not np.isfinite(f.after)}
        self.assertLessEqual(set(stats["nonfinite_before_rows"]), nonfinite_rows,
                             f"{tag}: faulted elements non-finite on one side only, in rows without a non-finite "
                             f"fault\n{stats['report']}")
        # The faults must show (else this case could not tell a replay that ignores them), and in the strict
        # cases the storage rounding must show too (else it could not tell a replay that skips it).
        ok, _, _ = compare(want_faulty, want_clean, scale, tol_fmt)
        self.assertFalse(ok, f"{tag}: the {len(faults)} faults leave the logits within tolerance of the clean run")
        if strict and fmt != "fp32":
            ok, _, _ = compare(want_clean, want_plain, scale, tol_fmt)
            self.assertFalse(ok, f"{tag}: storing in {fmt} leaves the logits within tolerance of fp32")
        if os.environ.get("FLIPGUARD_REPLAY_VERBOSE"):
            print(f"\n{tag}: {len(faults)} faults; clean max |diff|/scale {worst_clean:.3g}; faulty {text}; "
                  f"{stats['report']}", file=sys.stderr)

    # ResNet-20 on 16 CIFAR-10 images. Strict: every value in fp32, and fp16/bf16 on the values of the first
    # stage (the stem and layer1: 7 values, each 16x32x32), where both sides still round the same float32 bits.
    FIRST_STAGE = "^/Relu_output_0$|^/layer1/"

    def test_resnet20_fp32_all_values(self):
        self.check(self.resnet20, self.resnet20_inputs, "fp32", "none", "1e-6")

    def test_resnet20_fp16_first_stage(self):
        self.check(self.resnet20, self.resnet20_inputs, "fp16", "none", "1e-6", self.FIRST_STAGE)

    def test_resnet20_bf16_first_stage(self):
        self.check(self.resnet20, self.resnet20_inputs, "bf16", "none", "1e-6", self.FIRST_STAGE)

    def test_resnet20_bf16_nanguard_first_stage(self):
        # bf16's 8 exponent bits give Inf/NaN from one flip of a value in [1, 2): at this rate the guard has
        # work to do (280 faults, 2 of them non-finite with seed 1).
        self.check(self.resnet20, self.resnet20_inputs, "bf16", "nanguard", "1e-5", self.FIRST_STAGE)

    def test_resnet20_fp32_ecc72_keep_all_values(self):
        # SECDED codewords over the stored words: the dump lists only the words that differ after decoding
        # (double errors read as stored under :keep), which the reference sets as they are.
        self.check(self.resnet20, self.resnet20_inputs, "fp32", "ecc72:keep", "2e-4", replay_protection="none")

    def test_resnet20_fp32_ecc72_all_values(self):
        # :zero reads a codeword with a detected error as 0: the dump's words are those zeros.
        self.check(self.resnet20, self.resnet20_inputs, "fp32", "ecc72", "2e-4", replay_protection="none")

    def test_resnet20_fp16_all_values(self):
        self.check(self.resnet20, self.resnet20_inputs, "fp16", "none", "1e-6", strict=False)

    def test_resnet20_bf16_nanguard_all_values(self):
        self.check(self.resnet20, self.resnet20_inputs, "bf16", "nanguard", "1e-6", strict=False)

    @classmethod
    def torchvision_resnet18(cls) -> Tuple[str, str]:
        """torchvision's ResNet-18 (max pooling with padding, projection shortcuts) at 64x64 with seeded random
        weights and BatchNorm statistics (so that folding them is not trivial), exported to ONNX for flipguard
        to read as a bare .onnx without sidecar, and 16 random inputs."""
        model, inputs = cls.path("resnet18.onnx"), cls.path("resnet18_x.npy")
        if not os.path.exists(model):
            import torchvision  # only these cases need it

            torch.manual_seed(0)
            net = torchvision.models.resnet18(num_classes=10).eval()
            g = torch.Generator().manual_seed(1)
            with torch.no_grad():
                for m in net.modules():
                    if isinstance(m, torch.nn.BatchNorm2d):
                        n = m.num_features
                        m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                        m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                        m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                        m.bias.copy_(torch.randn(n, generator=g) * 0.1)
            torch.onnx.export(net, torch.zeros(1, 3, 64, 64), model, input_names=["input"],
                              output_names=["logits"], opset_version=13,
                              dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
            np.save(inputs, torch.randn(16, 3, 64, 64, generator=g).numpy())
        return model, inputs

    def test_torchvision_resnet18_fp32_all_values(self):
        self.check(*self.torchvision_resnet18(), "fp32", "none", "1e-6")

    def test_torchvision_resnet18_fp16_first_stage(self):
        # Only the stem (conv1 + relu, max pooling): the random weights amplify later rounding differences.
        self.check(*self.torchvision_resnet18(), "fp16", "none", "2e-6", "^/relu/|^/maxpool/")

    def test_torchvision_resnet18_fp16_all_values(self):
        self.check(*self.torchvision_resnet18(), "fp16", "none", "1e-6", strict=False)


class ReplayMechanicsTest(unittest.TestCase):
    """The replay on a small graph of its own, without flipguard: batching, where faults land, BN folding."""

    def setUp(self):
        from onnx import TensorProto, helper, numpy_helper

        rng = np.random.default_rng(11)
        inits = {"w": rng.standard_normal((3, 2, 3, 3)), "scale": rng.uniform(0.5, 2, 3),
                 "bias": rng.standard_normal(3), "mean": rng.standard_normal(3) * 0.1,
                 "var": rng.uniform(0.5, 2, 3), "fc": rng.standard_normal((5, 48)), "fc_b": rng.standard_normal(5)}
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                 helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["bn"]),
                 helper.make_node("Relu", ["bn"], ["r"]),
                 helper.make_node("Flatten", ["r"], ["f"]),
                 helper.make_node("Gemm", ["f", "fc", "fc_b"], ["logits"], transB=1)]
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                                  [helper.make_tensor_value_info("logits", TensorProto.FLOAT, None)],
                                  [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
        self.tmp = tempfile.TemporaryDirectory()
        self.model = os.path.join(self.tmp.name, "m.onnx")
        onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        import onnx

        onnx.save(onnx_model, self.model)
        self.inputs = os.path.join(self.tmp.name, "x.npy")
        np.save(self.inputs, rng.standard_normal((8, 2, 4, 4)).astype(np.float32))
        self.values = os.path.join(self.tmp.name, "values.txt")
        with open(self.values, "w") as f:
            f.write("# the values a run stores\nr\nf\nlogits\n")

    def tearDown(self):
        self.tmp.cleanup()

    def replay(self, batch: int, faults: Optional[List[dict]] = None, fmt: str = "fp16") -> np.ndarray:
        out = os.path.join(self.tmp.name, f"out{batch}.npy")
        cmd = [PYTHON, REFERENCE, "replay", "--model", self.model, "--inputs", self.inputs, "--format", fmt,
               "--values", self.values, "--out", out, "--batch", str(batch)]
        if faults:
            dump = os.path.join(self.tmp.name, "faults.jsonl")
            with open(dump, "w") as f:
                f.writelines(json.dumps(j) + "\n" for j in faults)
            cmd += ["--faults", dump]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return np.load(out)

    @staticmethod
    def fault(value: str, row: int, index: List[int], element: int, after: float) -> dict:
        # fp16 words: 0 before, `after` (exact in fp16) after; the replay does not require "before" to match.
        word = int(np.array([after], np.float16).view(np.uint16)[0])
        return {"value": value, "image": row, "index": [row] + index, "element": element, "bits": [],
                "word_before": 0, "word_after": word, "before": 0.0, "after": after}

    def test_faults_land_on_their_rows_whatever_the_batch(self):
        clean = self.replay(8)
        faults = [self.fault("r", 5, [1, 2, 3], 1 * 16 + 2 * 4 + 3, 1024.0),
                  self.fault("f", 2, [47], 47, -512.0),
                  self.fault("logits", 7, [4], 4, 8.0)]
        got = {b: self.replay(b, faults) for b in (1, 3, 8)}
        for b in (1, 3):
            np.testing.assert_array_equal(got[b], got[8], err_msg=f"batch {b}")
        changed = np.flatnonzero((got[8] != clean).any(axis=1)).tolist()
        self.assertEqual(changed, [2, 5, 7])
        self.assertEqual(float(got[8][7, 4]), 8.0)  # the stored logit itself, nothing after it
        np.testing.assert_array_equal(got[8][7, :4], clean[7, :4])

    def test_fp16_storage_rounds_the_listed_values(self):
        fp32, fp16 = self.replay(8, fmt="fp32"), self.replay(8, fmt="fp16")
        np.testing.assert_array_equal(fp16, fp16.astype(np.float16).astype(np.float32))  # logits stored too
        self.assertGreater(float(np.abs(fp16 - fp32).max()), 0.0)

    def test_batchnorm_folding_changes_only_float32_rounding(self):
        x = torch.from_numpy(np.load(self.inputs))
        folded = OnnxReference(self.model, fold_batchnorm=True)
        self.assertEqual(folded.folded, 1)
        self.assertNotIn("BatchNormalization", [n.op_type for n in folded.nodes])
        self.assertIn("bn", folded.written_values())  # the Conv now writes the BN's output name
        want = OnnxReference(self.model).run(x).numpy()
        np.testing.assert_allclose(folded.run(x).numpy(), want, rtol=1e-5, atol=1e-5 * float(np.abs(want).max()))


class StorageRoundingTest(unittest.TestCase):
    """The replay's bf16 rounding, by cases whose answers are known from the format's definition."""

    def test_bf16_ties_to_even_overflow_and_nan(self):
        bits = np.array([0x3F808000,  # 1 + 2^-8: a tie, rounds down to the even 1.0
                         0x3F818000,  # 1 + 3*2^-8: a tie, rounds up to the even 1 + 2^-6
                         0x3F808001,  # just above the tie: up
                         0xBF807FFF,  # just below the tie, negative: down in magnitude
                         0x7F7FFFFF,  # float32 max: above bf16 max + half ulp, so Inf
                         0x7F800000, 0xFF800000,  # Inf kept
                         0x7F800001,  # a signalling NaN with a low payload: stays NaN (not Inf)
                         0x00008000, 0x00018000],  # subnormal ties: to even
                        np.uint32)
        want = np.array([0x3F800000, 0x3F820000, 0x3F810000, 0xBF800000, 0x7F800000, 0x7F800000, 0xFF800000,
                         None, 0x00000000, 0x00020000], object)
        got = round_bf16(torch.from_numpy(bits.view(np.float32).copy())).numpy().view(np.uint32)
        for b, g, w in zip(bits, got, want):
            if w is None:
                self.assertTrue(np.isnan(np.array([g], np.uint32).view(np.float32)[0]), f"{b:#010x} -> {g:#010x}")
            else:
                self.assertEqual(int(g), int(w), f"{b:#010x} -> {g:#010x}, want {w:#010x}")

    def test_bf16_agrees_with_float64_nearest_even(self):
        rng = np.random.default_rng(5)
        x = (rng.standard_normal(20000) * np.exp2(rng.integers(-30, 30, 20000))).astype(np.float32)
        got = round_bf16(torch.from_numpy(x)).numpy().astype(np.float64)
        # The two bf16 neighbours of each x, nearest chosen, ties to the even significand.
        lo = (x.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32).astype(np.float64)
        step = np.exp2(np.floor(np.log2(np.abs(lo))) - 7) * np.sign(x)
        hi = lo + step
        d_lo, d_hi = np.abs(x - lo), np.abs(hi - x)
        even_lo = ((x.view(np.uint32) >> 16) & 1) == 0
        want = np.where(d_lo < d_hi, lo, np.where(d_hi < d_lo, hi, np.where(even_lo, lo, hi)))
        np.testing.assert_array_equal(got, want)


if __name__ == "__main__":
    unittest.main()
