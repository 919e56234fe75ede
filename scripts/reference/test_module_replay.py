#!/usr/bin/python3
"""flipguard's activation faults against PyTorch forward hooks on the nn.Module the model was exported from:
`flipguard run --site activations --dump-faults` on a model, the dump replayed by module_replay.py on the module,
the logits compared. Agreement means that each value flipguard lists is the output of the module call the
replay names for it, that the storage (fp32, fp16, int8 with its calibrated scale), the faults' placement and
the ranger guard do what the documentation says, with ranges and scales the replay profiles on its own.

Models: the CIFAR-10 ResNet-20 of the assets, rebuilt by scripts/convert/torch_resnet_cifar.py (functional
relu and + inside its blocks, MaxPool + Pad shortcuts); torchvision's ResNet-18 at 64x64 with seeded random
weights and BatchNorm statistics (a ReLU module called twice per block, in-place +=, projection shortcuts),
exported with its BatchNorms kept (flipguard folds them) and as torch.onnx.export folds them by default.

Inputs: a .npy of 32 rows run with --limit 16 --calibration-images 16: flipguard evaluates rows 0-15 and
profiles ranges and scales on rows 16-31, which the replay profiles as well (module_replay.split_npy_rows).

The flipguard CLI is $FLIPGUARD_BINARY (CTest sets it; the models and assets are then required); by hand without
it, the test looks for build/flipguard and skips, saying why, when something is missing.
Run: FLIPGUARD_BINARY=build/flipguard /usr/bin/python3 -m unittest scripts/reference/test_module_replay.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import module_replay as mr  # noqa: E402
from activation_replay import read_values  # noqa: E402
from datasets import load_dataset, preprocess  # noqa: E402
from test_activation_replay import BINARY, MODELS, REL_TOL, ROOT, WHY_NOT, compare, ulp_steps  # noqa: E402

PYTHON = sys.executable or "/usr/bin/python3"
EVALUATED, CALIBRATION = 16, 16

try:
    import torchvision  # noqa: F401

    NO_TORCHVISION = ""
except ImportError as e:
    NO_TORCHVISION = f"torchvision is not installed ({e}): the torchvision model is not checked"


@unittest.skipIf(BINARY is None, WHY_NOT)
class ModuleReplayTest(unittest.TestCase):
    """flipguard's logits against the module replay's, per model, format and protection."""

    @classmethod
    def setUpClass(cls):
        torch.set_grad_enabled(False)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.plain: Dict[str, np.ndarray] = {}
        cls.modules: Dict[str, nn.Module] = {}
        cls.inputs: Dict[str, str] = {}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name: str) -> str:
        return os.path.join(cls.dir, name)

    @classmethod
    def model(cls, key: str) -> Tuple[str, nn.Module, str]:
        """(flipguard's --model, the nn.Module, the inputs .npy) of 'resnet20', 'resnet18' (BatchNorm kept in
        the ONNX) or 'resnet18-folded' (folded by the exporter); built once."""
        if key == "resnet20":
            if key not in cls.modules:
                with open(os.path.join(MODELS, "resnet20.json")) as f:
                    spec = json.load(f)
                items = load_dataset("cifar10-lossless200")
                inp = spec["input"]
                x = np.stack([preprocess(items[i][0](), spec["preprocess"], inp["channels"], inp["height"],
                                         inp["width"]) for i in range(0, 6 * (EVALUATED + CALIBRATION), 6)])
                cls.inputs[key] = cls.path("resnet20_x.npy")
                np.save(cls.inputs[key], x)
                cls.modules[key] = mr.load_module("resnet20")
            return os.path.join(MODELS, "resnet20.json"), cls.modules[key], cls.inputs[key]
        if NO_TORCHVISION:
            raise unittest.SkipTest(NO_TORCHVISION)
        onnx_path = cls.path(f"{key}.onnx")
        if "resnet18" not in cls.modules:
            cls.modules["resnet18"] = mr.torchvision_model("resnet18", classes=10, seed=0)
            g = torch.Generator().manual_seed(2)
            cls.inputs["resnet18"] = cls.path("resnet18_x.npy")
            np.save(cls.inputs["resnet18"], torch.randn(EVALUATED + CALIBRATION, 3, 64, 64, generator=g).numpy())
        if not os.path.exists(onnx_path):
            mr.export_onnx(cls.modules["resnet18"], (64, 64), onnx_path, keep_batchnorm=key == "resnet18")
        return onnx_path, cls.modules["resnet18"], cls.inputs["resnet18"]

    def flipguard(self, *args: str) -> str:
        r = subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r.returncode, 0, f"flipguard {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
        return r.stdout

    def flipguard_run(self, model: str, inputs: str, out: str, *config: str) -> np.ndarray:
        self.flipguard("run", "--model", model, "--data", inputs, "--limit", str(EVALUATED),
                       "--calibration-images", str(CALIBRATION), "--out", out, *config)
        return np.load(out)

    def replay(self, module: nn.Module, model: str, values, fmt: str, protection: str, x: np.ndarray,
               faults=()) -> Tuple[np.ndarray, mr.ReplayStats]:
        onnx_path = model
        if model.endswith(".json"):
            with open(model) as f:
                onnx_path = os.path.join(os.path.dirname(model), json.load(f)["onnx"])
        r = mr.ModuleReplay(module, onnx_path, values, fmt, protection, faults)
        try:
            rows, calibration = mr.split_npy_rows(x.shape[0], EVALUATED, CALIBRATION)
            if r.needs_calibration():
                r.calibrate([torch.from_numpy(x[calibration.start:calibration.stop])])
            return mr.run_rows(r, x[rows.start:rows.stop]), r.stats
        finally:
            r.close()

    def check(self, key: str, fmt: str, protection: str, ber: str, tensors: str = "all", strict: bool = True,
              min_faults: int = 20) -> np.ndarray:
        """flipguard clean and faulty (with its dump) against the module replay of both; returns flipguard's
        faulty logits. strict: within REL_TOL of the logit scale (fp32, or values early in the network where
        both sides store the same float32 bits); otherwise LOOSE_ULPS ulps of the format at the row's scale
        are allowed on top (test_activation_replay.compare)."""
        model, module, inputs = self.model(key)
        tag = f"{key}-{fmt}-{protection}" + ("-subset" if tensors != "all" else "")
        values = read_values_text(self.flipguard("inspect-model", "--model", model, "--site", "activations",
                                                 "--formats", fmt, "--tensors", tensors))
        if key not in self.plain:
            self.plain[key] = self.flipguard_run(model, inputs, self.path(f"{key}.plain.npy"))
        plain = self.plain[key]
        config = ["--site", "activations", "--tensors", tensors, "--format", fmt, "--protection", protection]
        clean = self.flipguard_run(model, inputs, self.path(f"{tag}.clean.npy"), *config)
        dump = self.path(f"{tag}.faults.jsonl")
        faulty = self.flipguard_run(model, inputs, self.path(f"{tag}.faulty.npy"), *config, "--ber", ber,
                                    "--dump-faults", dump)
        faults = mr.read_faults(dump, fmt)
        self.assertGreaterEqual(len(faults), min_faults, f"{tag}: too few faults at BER {ber} to be a test")
        x = np.load(inputs)
        got_clean, _ = self.replay(module, model, values, fmt, protection, x)
        got_faulty, stats = self.replay(module, model, values, fmt, protection, x, faults)
        scale = float(np.abs(plain).max())
        tol_fmt = "fp32" if strict else fmt
        ok, worst_clean, text = compare(got_clean, clean, scale, tol_fmt)
        self.assertTrue(ok, f"{tag} clean: {text}")
        ok, worst, text = compare(got_faulty, faulty, scale, tol_fmt)
        self.assertTrue(ok, f"{tag} with {len(faults)} faults: {text}\n{stats}")
        self.assertEqual(stats.faults_applied, len(faults))
        self.assertGreater(stats.folded_batchnorm, 0)
        # Each fault lands on the element that holds, in the replay, what the dump says it held (float32
        # noise at most; exactly, where both sides store the same bits) ...
        self.assertLessEqual(stats.max_before_error, REL_TOL + (0 if strict else ulp_steps(fmt, 1.0)),
                             f"{tag}: faulted elements hold other values in the replay\n{stats}")
        # ... but downstream of an earlier non-finite fault of the same image (test_activation_replay says why).
        nonfinite_rows = {f.index[0] for f in faults if not np.isfinite(f.after)}
        self.assertLessEqual(set(stats.nonfinite_before_rows), nonfinite_rows, f"{tag}\n{stats}")
        if fmt == "int8":  # the replay's own scale decodes the dumped words to the dump's values
            self.assertLessEqual(stats.max_after_error, REL_TOL, f"{tag}: int8 scales differ\n{stats}")
        # The faults must show, and where the comparison is strict the storage too: else agreement would not
        # tell a replay that ignores them.
        ok, _, _ = compare(faulty, clean, scale, tol_fmt)
        self.assertFalse(ok, f"{tag}: the {len(faults)} faults leave the logits within tolerance of the clean run")
        if strict and (fmt != "fp32" or protection != "none"):
            ok, _, _ = compare(clean, plain, scale, tol_fmt)
            self.assertFalse(ok, f"{tag}: {fmt}/{protection} leaves the logits within tolerance of plain fp32")
        if "ranger" in protection:
            self.assertGreater(stats.guarded, 0, f"{tag}: the guard changed nothing")
        if os.environ.get("FLIPGUARD_REPLAY_VERBOSE"):
            print(f"\n{tag}: {len(faults)} faults; clean max |diff|/scale {worst_clean:.3g}; faulty {worst:.3g}; "
                  f"{stats}", file=sys.stderr)
        return faulty

    def check_none_and_ranger(self, key: str, fmt: str, ber: str, tensors: str = "all", strict: bool = True):
        """Both protections on the same faults (they are drawn from the seed, the value and the image alone);
        ranger must then change the faulty logits, or its agreement would say nothing."""
        none = self.check(key, fmt, "none", ber, tensors, strict)
        ranger = self.check(key, fmt, "ranger", ber, tensors, strict)
        ok, _, _ = compare(ranger, none, float(np.abs(self.plain[key]).max()), "fp32")
        self.assertFalse(ok, f"{key} {fmt}: ranger leaves the faulty logits as they are without it")

    # ResNet-20 on CIFAR-10 images. Strict everywhere: fp32 on every value; fp16 and int8 on the stem and
    # layer1 (7 values of 16x32x32), where both sides store the same float32 bits. Deeper, oneDNN's and
    # torch's float32 sums part by an ulp now and then, and an element an ulp from an fp16 or int8 rounding
    # boundary then stores a step apart.
    FIRST_STAGE = "^/Relu_output_0$|^/layer1/"

    def test_resnet20_fp32_all_values(self):
        self.check_none_and_ranger("resnet20", "fp32", "1e-6")

    def test_resnet20_fp16_first_stage(self):
        self.check_none_and_ranger("resnet20", "fp16", "1e-6", self.FIRST_STAGE)

    def test_resnet20_int8_first_stage(self):
        self.check_none_and_ranger("resnet20", "int8", "1e-5", self.FIRST_STAGE)

    def test_resnet20_fp16_all_values(self):
        self.check("resnet20", "fp16", "ranger", "1e-6", strict=False)

    # torchvision's ResNet-18, random weights, 64x64; strict on the stem (conv1+bn1+relu, max pooling) for
    # fp16 and int8, the random weights amplifying later rounding differences.
    TV_STEM = "^/relu/|^/maxpool/"

    def test_resnet18_fp32_all_values(self):
        self.check_none_and_ranger("resnet18", "fp32", "1e-6")

    def test_resnet18_fp16_stem(self):
        self.check("resnet18", "fp16", "ranger", "2e-6", self.TV_STEM)

    def test_resnet18_int8_stem(self):
        self.check_none_and_ranger("resnet18", "int8", "1e-5", self.TV_STEM)

    def test_resnet18_exporter_folded_fp32_all_values(self):
        # The exporter folded each BatchNorm into its Conv (in float32, not as flipguard folds): values named
        # after Convs (/layer2/layer2.0/conv2/Conv_output_0) are the module's BatchNorm outputs.
        self.check("resnet18-folded", "fp32", "ranger", "1e-6")

    def test_cli(self):
        """module_replay.py replay, as a user runs it: ResNet-20 in int8 behind ranger on the first stage."""
        model, _, inputs = self.model("resnet20")
        tag = "cli"
        values = self.path(f"{tag}.values.txt")
        with open(values, "w") as f:
            f.write(self.flipguard("inspect-model", "--model", model, "--site", "activations", "--formats", "int8",
                                   "--tensors", self.FIRST_STAGE))
        config = ["--site", "activations", "--tensors", self.FIRST_STAGE, "--format", "int8", "--protection",
                  "ranger"]
        dump = self.path(f"{tag}.faults.jsonl")
        want = self.flipguard_run(model, inputs, self.path(f"{tag}.faulty.npy"), *config, "--ber", "1e-5",
                                  "--dump-faults", dump)
        out, stats = self.path(f"{tag}.replay.npy"), self.path(f"{tag}.stats.json")
        cmd = [PYTHON, os.path.join(HERE, "module_replay.py"), "replay", "--module", "resnet20", "--model", model,
               "--inputs", inputs, "--limit", str(EVALUATED), "--calibration-images", str(CALIBRATION),
               "--format", "int8", "--protection", "ranger", "--values", values, "--faults", dump, "--out", out,
               "--stats", stats]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
        ok, _, text = compare(np.load(out), want, float(np.abs(want).max()), "fp32")
        self.assertTrue(ok, f"CLI replay: {text}\n{r.stdout}")
        with open(stats) as f:
            self.assertEqual(json.load(f)["faults_applied"], len(mr.read_faults(dump, "int8")))


def read_values_text(text: str):
    """read_values on the text inspect-model printed."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        return read_values(f.name)
    finally:
        os.remove(f.name)


class _Block(nn.Module):
    """Functional ops in a forward, a ReLU module called twice, an in-place add, a numeric child name."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.seq = nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU())

    def forward(self, x):
        out = self.relu(self.bn(self.conv(x)))
        out = F.relu(out + self.seq(out))
        out += x
        return self.relu(out)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.blocks = nn.Sequential(_Block(), _Block())
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.stem(x)), 2)
        x = self.blocks(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class NamingTest(unittest.TestCase):
    """The replay's call names against torch.onnx.export's node names, without flipguard."""

    def setUp(self):
        torch.set_grad_enabled(False)
        torch.manual_seed(3)
        self.net = _Net().eval()
        with torch.no_grad():
            for m in self.net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def export(self, keep_batchnorm: bool) -> str:
        path = os.path.join(self.tmp.name, f"net{int(keep_batchnorm)}.onnx")
        mr.export_onnx(self.net, (8, 8), path, keep_batchnorm)
        return path

    def test_every_node_is_named_as_the_exporter_names_it(self):
        for keep in (True, False):
            nodes = mr.onnx_node_outputs(self.export(keep))
            namer = mr.CallNamer(self.net)
            names = []
            with namer.forward(lambda n, y, i: (names.append(n), y)[1]):
                self.net(torch.zeros(1, 3, 8, 8))
                self.net(torch.zeros(2, 3, 8, 8))  # each forward (batch) is named afresh
            namer.close()
            self.assertEqual(names[: len(names) // 2], names[len(names) // 2:])
            names = names[: len(names) // 2]
            computing = {n for n, (op, _) in nodes.items() if op not in ("Constant", "Identity")}
            self.assertLessEqual(computing, set(names), f"keep_batchnorm={keep}: nodes the replay does not name")
            # The names it has beyond the graph's are the BatchNorms the exporter folded away.
            extra = [n for n in names if n not in nodes]
            self.assertTrue(all(n.endswith("/BatchNormalization") for n in extra), extra)
            self.assertEqual(len(extra), 0 if keep else 2)
            # The reused ReLU module is two scopes, the second functional relu in a block is Relu_1 ...
            self.assertIn("/blocks/blocks.0/relu_1/Relu", names)
            self.assertIn("/blocks/blocks.1/Relu", names)
            self.assertIn("/blocks/blocks.0/Add_1", names)

    def test_values_are_placed_and_written_once(self):
        path = self.export(False)
        nodes = mr.onnx_node_outputs(path)
        values = [v for _, v in nodes.values() if not v.startswith("onnx::")]
        x = torch.randn(3, 3, 8, 8)
        want = self.net(x)
        r = mr.ModuleReplay(self.net, path, values, "fp32")
        placed = r.place(x)
        self.assertEqual(sorted(placed.values()), sorted(values))
        # The exporter's folded Conv output is written where the module's BatchNorm writes.
        conv = nodes["/blocks/blocks.0/conv/Conv"][1]
        if conv in values:
            self.assertEqual(placed["/blocks/blocks.0/bn/BatchNormalization"], conv)
        got = r.run(x, 0)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)  # fp32 storage; BatchNorm folded
        self.assertEqual(r.stats.stored_values, len(values))
        self.assertEqual(r.stats.folded_batchnorm, 2)
        with self.assertRaisesRegex(ValueError, "values no node"):
            mr.ModuleReplay(self.net, path, ["no-such-value"], "fp32")

    def test_a_value_the_module_does_not_write_is_an_error(self):
        path = self.export(True)
        nodes = mr.onnx_node_outputs(path)
        renamed = {k.replace("blocks.1", "blocks.7"): v for k, v in nodes.items()}  # a scope the net lacks
        value = nodes["/blocks/blocks.1/Relu"][1]
        with self.assertRaisesRegex(ValueError, "no call of the module writes"):
            mr.place_values(mr.CallNamer(self.net), torch.zeros(1, 3, 8, 8), renamed, [value])


class Int8StorageTest(unittest.TestCase):
    """int8 storage by cases whose answers follow from its definition."""

    def test_round_clamp_nan_and_signed_zero(self):
        s = np.float32(0.5)
        x = torch.tensor([0.25, 0.75, -0.25, 1.25, 63.4, 100.0, -100.0, float("inf"), float("nan"), -0.1, 0.0],
                         dtype=torch.float32)
        got = mr.round_int8(x, s)
        # x / s = 0.5 -> 0 and 1.5 -> 2 (ties to even), -0.5 -> -0 -> +0, 2.5 -> 2, 126.8 -> 127; beyond +-127
        # clamps; NaN stores as 0.
        want = [0.0, 1.0, 0.0, 1.0, 63.5, 63.5, -63.5, 63.5, 0.0, 0.0, 0.0]
        self.assertEqual(got.tolist(), want)
        self.assertFalse(any(np.signbit(got.numpy())[[2, 9]]), "-0 stores as the integer 0, which reads +0")

    def test_scale_and_decode(self):
        self.assertEqual(mr.int8_scale(-2.0, 1.0), np.float32(2.0) / np.float32(127))
        self.assertEqual(mr.int8_scale(0.0, 0.0), np.float32(1))  # a value 0 throughout
        self.assertEqual(mr.int8_scale(float("inf"), float("-inf")), np.float32(1))  # never finite
        self.assertEqual(mr.decode_int8(0x80, np.float32(0.5)), -64.0)  # -128, which the encoder never writes
        self.assertEqual(mr.decode_int8(0x7F, np.float32(0.5)), 63.5)
        self.assertEqual(mr.decode_int8(0xFF, np.float32(0.5)), -0.5)


if __name__ == "__main__":
    unittest.main()
