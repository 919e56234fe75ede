"""Models from Python: from_torch against torch's own logits, ONNX files from the models folder, stored weights,
built-in datasets, and the GIL released while the engine runs."""

import json
import os
import re
import shutil
import threading
import time

import numpy as np
import pytest
import torch
import torch.nn as nn

import flipguard


class SmallNet(nn.Module):
    """Conv + BatchNorm + ReLU + pooling + a residual add + a linear layer: the ops of the real models."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)) + y)
        return self.fc(torch.flatten(self.pool(y), 1))


def small_net():
    torch.manual_seed(0)
    net = SmallNet()
    with torch.no_grad():  # BatchNorm statistics that are not the identity
        for bn in (net.bn1, net.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    return net.eval()


def test_from_torch_equals_torch_logits():
    net = small_net()
    x = torch.randn(37, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    model = flipguard.from_torch(net, x[:8])  # batch 8: 37 images run in 5 batches, the last one short
    assert model.batch == 8 and model.input_shape == (3, 16, 16) and model.output_shape == (10,)
    got = model.run(x.numpy())
    with torch.no_grad():
        want = net(x).numpy()
    assert got.shape == want.shape == (37, 10)
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err < 1e-4, err
    one = model.run(x[3].numpy())  # a single image
    assert one.shape == (10,)
    np.testing.assert_allclose(one, got[3], rtol=0, atol=1e-5 * np.abs(want).max())


class FixedBatchNet(SmallNet):
    """SmallNet flattening with the batch written out: exported without dynamic axes, the batch is baked in."""

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)) + y)
        return self.fc(self.pool(y).reshape(x.shape[0], -1))


def test_fixed_batch_model_runs_at_its_own_batch(tmp_path):
    net = FixedBatchNet()
    net.load_state_dict(small_net().state_dict())
    net.eval()
    x = torch.randn(37, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    path = str(tmp_path / "fixed8.onnx")
    torch.onnx.export(net, x[:8], path, opset_version=13, input_names=["x"], output_names=["logits"])
    with pytest.warns(UserWarning, match="batch is fixed at 8: running at batch 8 \\(not 16\\)"):
        model = flipguard.Model(path, batch=16)
    assert model.batch == 8
    got = model.run(x.numpy())  # 4 chunks of 8 and one of 5, padded
    with torch.no_grad():
        want = net(x).numpy()
    assert got.shape == want.shape == (37, 10)
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err < 1e-4, err

    # A campaign on it runs at batch 8, records its own batch in the identity: the same campaign at --batch 8.
    np.save(tmp_path / "x.npy", x.numpy())
    lines = []
    settings = dict(model=path, data=str(tmp_path / "x.npy"), formats=["fp32"], protections=["none"], bers=[1e-3],
                    trials=2, threads=1)
    first = flipguard.run_campaign(results=tmp_path / "r.jsonl", log=lines.append, **settings)
    assert any("batch is fixed at 8: running at --batch 8" in line for line in lines), lines
    assert first.summary["trials_run"] == 3
    again = flipguard.run_campaign(results=tmp_path / "r.jsonl", log=None, batch=8, **settings)
    assert again.summary["trials_run"] == 0 and again.summary["campaign_id"] == first.summary["campaign_id"]


def test_nan_goes_through_like_torch():
    """A NaN input or weight gives NaN logits where torch's are NaN (Conv+ReLU, MaxPool, residual, Linear),
    and finite ones elsewhere: the engine's ReLU and max pooling do not turn the NaN into a number."""
    net = small_net()
    x = torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    model = flipguard.from_torch(net, x)
    x[2, 1, 5, 7] = float("nan")
    x[5, 0, 0, 0] = float("nan")
    with torch.no_grad():
        want = net(x).numpy()
    got = model.run(x.numpy())
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(want[[2, 5]]).all() and not np.isnan(want[[0, 1, 3, 4, 6, 7]]).any()
    ok = ~np.isnan(want)
    assert np.abs(got[ok] - want[ok]).max() < 1e-4 * np.abs(want[ok]).max()
    # A NaN weight at the centre of conv1's first kernel, as a fault leaves it: every image's logits are NaN.
    w = next(w for w in model.weights() if tuple(w.shape) == (8, 3, 3, 3))
    w.write([4], [float("nan")])
    with torch.no_grad():
        net.conv1.weight.view(-1)[4] = float("nan")
        want = net(x).numpy()
    got = model.run(x.numpy())
    assert np.isnan(want).all()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


def test_nan_goes_through_a_short_batch(models_dir):
    """Fewer images than the batch: the images are copied into the engine's own input buffer, which later
    layers reuse; the rerun with faithful kernels copied them in again (it read what those layers had left
    there, and the NaN of MNIST's Conv+Relu, max pooling and Gemm+Relu came out as numbers)."""
    x = np.full((3, 1, 28, 28), 0.5, np.float32)
    x[0] = np.nan
    x[2, 0, 14, 14] = np.nan
    for batch in (3, 4, 16):
        got = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"), batch=batch).run(x)
        assert np.isnan(got).any(axis=1).tolist() == [True, False, True], (batch, got)
    full = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"), batch=3).run(x)
    short = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"), batch=16).run(x)
    np.testing.assert_allclose(short[1], full[1], rtol=1e-5)


def test_paths_may_be_path_objects(models_dir):
    """Model and load_images take a pathlib.Path (any os.PathLike) or bytes, as run_campaign does."""
    import pathlib
    by_text = flipguard.Model(os.path.join(models_dir, "mnist8.json"), batch=2)
    by_path = flipguard.Model(pathlib.Path(models_dir) / "mnist8.json", batch=2)
    by_name = flipguard.Model("mnist8", batch=2, models_dir=pathlib.Path(models_dir))
    by_bytes = flipguard.Model(os.fsencode(os.path.join(models_dir, "mnist8.json")), batch=2)
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    for m in (by_path, by_name, by_bytes):
        np.testing.assert_array_equal(m.run(x), by_text.run(x))
    with pytest.raises(TypeError):
        flipguard.Model(None)


def test_stored_weights_list_write_and_restore(models_dir):
    model = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"), batch=4)
    weights = model.weights()
    assert len(weights) >= 3 and all(w.role.endswith(".weight") for w in weights)
    assert sum(w.size for w in weights) == model.stored_weight_count
    x = np.sin(0.001 * np.arange(4 * 28 * 28, dtype=np.float32)).reshape(4, 1, 28, 28)
    clean = model.run(x)
    w = weights[0]
    assert w.shape == tuple(w.clean.shape) and w.size == w.clean.size
    np.testing.assert_array_equal(w.values(), w.clean)
    w.write([0, 5], [-w.clean.ravel()[0] * 100, 7.0])
    assert w.values().ravel()[5] == 7.0
    assert not np.array_equal(model.run(x), clean)
    w.restore([0, 5])
    np.testing.assert_array_equal(model.run(x), clean)
    w.write_all(np.zeros(w.shape, np.float32))
    assert not np.array_equal(model.run(x), clean)
    w.restore()
    np.testing.assert_array_equal(model.run(x), clean)
    assert model.weight(w.name).name == w.name
    with pytest.raises(IndexError, match="outside"):
        w.write([w.size], [1.0])


def test_model_names_and_datasets(models_dir):
    model = flipguard.Model("mnist8", models_dir=models_dir, batch=32, threads=1)
    x, y = flipguard.load_images("mnist8", images=200, models_dir=models_dir)
    assert x.shape == (200, 1, 28, 28) and x.dtype == np.float32 and y.shape == (200,)
    assert sorted(np.bincount(y, minlength=10)) == [20] * 10  # class-stratified
    top1 = (model.run(x).argmax(axis=1) == y).mean()
    assert top1 > 0.9, top1  # the model's reference accuracy is 97.9%
    assert "mnist-test" in flipguard.dataset_names()


def test_bad_input_is_a_clear_error(tmp_path, models_dir):
    model = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"))
    with pytest.raises(ValueError, match=r"takes images of shape \(1, 28, 28\).*got \(2, 3, 28, 28\)"):
        model.run(np.zeros((2, 3, 28, 28), np.float32))
    missing = str(tmp_path / "none.onnx")
    with pytest.raises(RuntimeError, match="none.onnx"):
        flipguard.Model(missing)
    with pytest.raises(RuntimeError, match="not found"):
        flipguard.Model("no-such-model", models_dir=models_dir)


def test_a_sidecar_the_model_file_contradicts_is_refused(tmp_path, models_dir):
    """The Python module opens models through the commands' loader: a sidecar's claims about its ONNX file
    are checked, and the error names both files and the field."""
    shutil.copy(os.path.join(models_dir, "mnist8.onnx"), tmp_path / "mnist8.onnx")
    with open(os.path.join(models_dir, "mnist8.json")) as f:
        good = json.load(f)
    sidecar = tmp_path / "mnist8.json"
    for field, change in (("sha256", {"sha256": "0" * 64}), ("input.height", {"input": dict(good["input"], height=32)}),
                          ("output.classes", {"output": dict(good["output"], classes=12)})):
        sidecar.write_text(json.dumps(dict(good, **change)))
        named = re.escape(f"{sidecar}: field '{field}'") + ".*" + re.escape(str(tmp_path / "mnist8.onnx"))
        with pytest.raises(RuntimeError, match=named):
            flipguard.Model(str(sidecar))
        with pytest.raises(RuntimeError, match=named):
            flipguard.load_images(str(sidecar), images=10)
        with pytest.raises(RuntimeError, match=named):
            flipguard.run_campaign(model=str(sidecar), results=tmp_path / "r.jsonl", log=None, images=16,
                                   trials=1, bers=[1e-3])
    sidecar.write_text(json.dumps(good))
    assert flipguard.Model(str(sidecar)).input_shape == (1, 28, 28)
    with pytest.raises(ValueError, match="no sidecar"):
        flipguard.load_images(str(tmp_path / "mnist8.onnx"), images=10)


def test_engine_runs_without_the_gil(models_dir):
    """While one thread runs a long batch, another keeps running Python: no pause as long as the run."""
    model = flipguard.Model(os.path.join(models_dir, "mnist8.onnx"), batch=256, threads=1)
    x = np.random.default_rng(0).random((256, 1, 28, 28), dtype=np.float32)
    start = time.perf_counter()
    model.run(x)
    single = time.perf_counter() - start
    repeats = max(1, int(1.0 / max(single, 1e-3)))
    big = np.concatenate([x] * repeats)
    worker = threading.Thread(target=model.run, args=(big,))
    longest_pause, last = 0.0, time.perf_counter()
    start = time.perf_counter()
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        longest_pause, last = max(longest_pause, now - last), now
    took = time.perf_counter() - start
    assert took > 0.3, took
    assert longest_pause < took / 2, (longest_pause, took)
