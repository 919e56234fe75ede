"""The trained language model from Python: token ids in (any integer dtype), next-token logits out equal to
the committed PyTorch logits; float arrays refused; a campaign's records and cells carry the language
model's metrics (perplexity medians, token shares) as the CLI's do."""

import json
import math

import numpy as np
import pytest

import flipguard


def test_token_ids_give_pytorchs_logits(source_dir, models_dir):
    lm = source_dir / "trained" / "fortune-lm"
    ids = np.load(lm / "val_batch.ids.npy")
    expected = np.load(lm / "val_batch.logits.npy")
    model = flipguard.Model("fortune-lm", batch=2, threads=1, models_dir=models_dir)
    assert model.input_shape == (128,) and model.output_shape == (128, 1024)
    for dtype in (np.int64, np.int32, np.uint16):
        logits = model.run(ids.astype(dtype))
        assert logits.shape == expected.shape
        scale = float(np.abs(expected).max())
        assert float(np.abs(logits - expected).max()) <= 1e-4 * scale, dtype
    single = model.run(ids[0])
    assert single.shape == (128, 1024)
    np.testing.assert_array_equal(single, model.run(ids[:1])[0])
    with pytest.raises(ValueError, match="integer token ids"):
        model.run(ids.astype(np.float32))
    with pytest.raises(ValueError, match="token ids of shape"):
        model.run(ids[:, :64])


def test_a_campaigns_cells_carry_perplexity_medians(tmp_path, models_dir):
    results = tmp_path / "lm.jsonl"
    res = flipguard.run_campaign(model="fortune-lm", models_dir=models_dir, formats="fp16", protections="none",
                                 bers=3e-6, trials=3, images=6, batch=3, threads=1, results=str(results),
                                 log=None)
    assert len(res.records) == 4
    lines = [json.loads(line) for line in open(results)]
    assert all("lm" in r and "top1" not in r for r in lines)
    cells = res.cells()
    faulty = [c for c in cells if c["ber"] > 0][0]
    assert faulty["language_model"] is True
    assert faulty["top1"] is None  # a classifier's metric: not measured
    assert faulty["perplexity_lo"] <= faulty["perplexity"] <= faulty["perplexity_hi"]
    assert 0 <= faulty["ppl_2x"] <= 100 and faulty["ppl_2x_lo"] <= faulty["ppl_2x"]
    clean = [c for c in cells if c["ber"] == 0][0]
    assert 20 < clean["perplexity"] < 80
    assert math.isclose(clean["perplexity_lo"], clean["perplexity"])
