"""Campaigns from Python: the settings table's keys as keyword arguments, records equal to the CLI's, progress
callbacks, pandas, cells, reports and layer campaigns."""

import json
import math
import os
import subprocess

import pytest

import flipguard

# A small campaign: MNIST's CNN, 64 images, two formats x two protections x one rate, 3 trials per cell.
SETTINGS = dict(model="mnist8", formats=["q3.4", "fp16"], protections=["none", "scale"], bers=[1e-3], trials=3,
                images=64, batch=16, threads=1, seed=7)
TIMINGS = ("seconds_faults", "seconds_inference")


def cli_args(settings):
    args = []
    for key, value in settings.items():
        flag = next(s["flag"] for s in flipguard.settings() if s["key"] == key)
        args += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    return args


def without_timings(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_records_equal_the_cli_campaign(tmp_path, cli, models_dir):
    settings = dict(SETTINGS, models_dir=models_dir)
    cli_results = tmp_path / "cli.jsonl"
    subprocess.run([cli, "campaign", *cli_args(settings), "--results", str(cli_results)], check=True,
                   capture_output=True)
    progress = []
    results = flipguard.run_campaign(results=tmp_path / "py.jsonl", progress=progress.append, log=None, **settings)
    records = results.records
    assert len(records) == 4 * (1 + 3)
    assert without_timings(records) == without_timings(read_lines(cli_results))
    assert results.summary["trials_run"] == 16 and results.summary["campaign_id"] == records[0]["campaign"]
    # One progress call per trial, with its record.
    assert [p["trials_done"] for p in progress] == list(range(1, 17))
    assert [p["record"] for p in progress] == records
    assert progress[-1]["trials_total"] == 16 and progress[-1]["cell"]


def test_typed_and_text_settings_are_one_definition(tmp_path, models_dir):
    typed = flipguard.run_campaign(results=tmp_path / "a.jsonl", log=None, models_dir=models_dir,
                                   **dict(SETTINGS, trials=1, formats=["q3.4"]))
    text = flipguard.run_campaign(results=str(tmp_path / "b.jsonl"), log=None, models_dir=models_dir,
                                  **dict(SETTINGS, trials="1", formats="q3.4", protections="none,scale",
                                         bers="1e-3", images="64", seed="7"))
    assert without_timings(typed.records) == without_timings(text.records)
    toml = tmp_path / "study.toml"
    toml.write_text('formats = ["q3.4"]\nprotections = ["none", "scale"]\nbers = [1e-3]\ntrials = 1\n')
    from_file = flipguard.run_campaign(toml, results=tmp_path / "c.jsonl", log=None, models_dir=models_dir,
                                       model="mnist8", images=64, batch=16, threads=1, seed=7)
    assert without_timings(from_file.records) == without_timings(typed.records)


def test_bad_settings_name_the_key(tmp_path):
    with pytest.raises(TypeError, match="unknown setting 'trails'.*trials"):
        flipguard.run_campaign(trails=3)
    with pytest.raises(ValueError, match="trials"):
        flipguard.run_campaign(trials=0)
    with pytest.raises(ValueError, match="formats"):
        flipguard.run_campaign(formats=["q2.5", "fp17"])
    with pytest.raises(ValueError, match="bers"):
        flipguard.run_campaign(bers=[2.0])
    with pytest.raises(TypeError, match="bool"):
        flipguard.run_campaign(trials=True)
    with pytest.raises(TypeError, match="unknown setting 'ci_target' for a layer campaign"):
        flipguard.run_layer_campaign(ci_target=1)
    with pytest.raises(RuntimeError, match="nope.toml"):
        flipguard.run_campaign(tmp_path / "nope.toml")


def test_list_and_number_settings_take_numpy_values_and_any_sequence(tmp_path, models_dir):
    np = pytest.importorskip("numpy")
    plain = flipguard.run_campaign(results=tmp_path / "a.jsonl", log=None, models_dir=models_dir,
                                   **dict(SETTINGS, trials=1))
    typed = flipguard.run_campaign(
        results=tmp_path / "b.jsonl", log=None, models_dir=models_dir, model="mnist8",
        formats=np.array(["q3.4", "fp16"]),                   # list: a numpy array of strings
        protections=(p for p in ("none", "scale")),           # list: a generator
        bers=np.array([1e-3]),                                # rates: a numpy array
        trials=np.int64(1), images=np.uint16(64), batch=np.int32(16), threads=1,  # integers: numpy scalars
        seed=np.uint64(7),
        mean=np.array([0.1307]), std=(0.3081,),               # numbers: the sidecar's own values
        floor=np.float32(0.0))                                # number: a numpy scalar
    assert without_timings(typed.records) == without_timings(plain.records)
    # Every kind accepts these forms before anything is read (the missing model is the first error then).
    for settings in (dict(bers=np.float64(1e-3)), dict(bers=np.array(1e-3)), dict(bers=(1e-4, 1e-3)),
                     dict(bers=np.array([1e-4, 1e-3], dtype=np.float32)), dict(formats=("q2.5", "fp16")),
                     dict(formats=np.array(["q2.5"])), dict(trials=np.int8(3)), dict(ci_target=np.float32(1.5)),
                     dict(ci_target=np.int64(2)), dict(seed=2**63 - 1), dict(mean=np.array([0.5, 0.5, 0.5]))):
        with pytest.raises(RuntimeError, match="no-such-model"):
            flipguard.run_campaign(model="no-such-model", models_dir=models_dir, log=None, **settings)


@pytest.mark.parametrize("settings, error, message", [
    # Integers beyond the setting's range, even beyond 64 bits, name the setting and the range.
    (dict(seed=2**63), ValueError, r"^seed: 9223372036854775808 is out of range \[0, 2\^63 - 1\]$"),
    (dict(seed=2**64), ValueError, r"^seed: 18446744073709551616 is out of range"),
    (dict(seed=-1), ValueError, r"^seed: -1 is out of range"),
    (dict(trials=2**70), ValueError, r"^trials: 1180591620717411303424 is out of range \[1, 1000000\]$"),
    (dict(images=-(2**65)), ValueError, r"^images: -36893488147419103232 is out of range"),
    # Wrong types name the setting, the type it takes and what came.
    (dict(trials=3.0), TypeError, r"^trials: expects an integer, got float 3\.0$"),
    (dict(trials=True), TypeError, r"^trials: expects an integer, got bool True$"),
    (dict(trials=[3]), TypeError, r"^trials: expects an integer, got list \[3\]$"),
    (dict(ci_target=[1.0]), TypeError, r"^ci_target: expects a number, got list \[1\.0\]$"),
    (dict(model=5), TypeError, r"^model: expects a string, got int 5$"),
    (dict(formats=5), TypeError, r"^formats: expects a list of strings, got int 5$"),
    (dict(formats=["q2.5", 3]), TypeError, r"^formats: expects a list of strings, got an item int 3$"),
    (dict(bers=["1e-3"]), TypeError, r"^bers: expects a list of rates, got an item str '1e-3'$"),
    (dict(bers=[[1e-3]]), TypeError, r"^bers: expects a list of rates, got an item list \[0\.001\]$"),
    (dict(bers=[True]), TypeError, r"^bers: expects a list of rates, got an item bool True$"),
    (dict(bers=object()), TypeError, r"^bers: expects a list of rates, got object <object"),
    (dict(mean={"r": 0.5}), TypeError, r"^mean: expects a list of numbers, got an item str 'r'$"),
    # Values of the right type outside what the setting takes.
    (dict(bers=[2.0]), ValueError, r"^bers: BER 2 is outside \[0, 1\]$"),
    (dict(ci_target=101), ValueError, r"^ci_target: 101 is out of range \[0, 100\]$"),
    (dict(formats=["q2.5", "fp17"]), ValueError, r"^formats: "),
])
def test_bad_setting_values_name_the_setting_and_what_it_takes(settings, error, message):
    with pytest.raises(error, match=message):
        flipguard.run_campaign(log=None, **settings)


def test_numpy_values_of_the_wrong_kind_name_the_setting():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=r"^bers: expects a list of rates, got an item ndarray"):
        flipguard.run_campaign(log=None, bers=np.array([[1e-3, 1e-4]]))
    with pytest.raises(TypeError, match=r"^bers: expects a list of rates, got an item bool"):
        flipguard.run_campaign(log=None, bers=np.array([True]))
    with pytest.raises(TypeError, match=r"^trials: expects an integer, got float64 (np\.float64\()?3\.0\)?$"):
        flipguard.run_campaign(log=None, trials=np.float64(3))
    with pytest.raises(TypeError, match=r"^trials: expects an integer, got ndarray"):
        flipguard.run_campaign(log=None, trials=np.array([3]))
    with pytest.raises(ValueError, match=r"^seed: 18446744073709551615 is out of range"):
        flipguard.run_campaign(log=None, seed=np.uint64(2**64 - 1))
    with pytest.raises(ValueError, match=r"^mean: nan is not finite$"):
        flipguard.run_campaign(log=None, mean=np.array([np.nan, 0.5, 0.5]))


def test_a_raising_callback_stops_the_campaign_and_keeps_its_records(tmp_path, models_dir):
    path = tmp_path / "r.jsonl"

    def stop_after_five(p):
        if p["trials_done"] == 5:
            raise ValueError("enough")

    with pytest.raises(ValueError, match="enough"):
        flipguard.run_campaign(results=path, progress=stop_after_five, log=None, models_dir=models_dir, **SETTINGS)
    assert len(read_lines(path)) == 5
    resumed = flipguard.run_campaign(results=path, log=None, models_dir=models_dir, **SETTINGS)
    assert resumed.summary["trials_skipped"] == 5 and resumed.summary["trials_run"] == 11


def test_a_callback_that_is_no_function_is_refused_before_any_trial(tmp_path, models_dir):
    path = tmp_path / "r.jsonl"
    for kwargs, name in (({"progress": 5}, "progress"), ({"log": "stderr"}, "log")):
        with pytest.raises(TypeError, match=f"^{name}: expects a function or None"):
            flipguard.run_campaign(results=path, models_dir=models_dir, **{"log": None, **kwargs}, **SETTINGS)
    assert not path.exists()


def test_pandas_cells_and_report(tmp_path, models_dir):
    pandas = pytest.importorskip("pandas")
    results = flipguard.run_campaign(results=tmp_path / "r.jsonl", log=None, models_dir=models_dir, **SETTINGS)
    frame = results.to_pandas()
    lines = pandas.read_json(tmp_path / "r.jsonl", lines=True, dtype=False)
    assert list(frame.columns) == list(lines.columns)
    assert len(frame) == 16
    pandas.testing.assert_frame_equal(frame.drop(columns=list(TIMINGS)), lines.drop(columns=list(TIMINGS)),
                                      check_dtype=False)
    cells = results.cells()
    assert len(cells) == 8 and {c["ber"] for c in cells} == {0.0, 1e-3}
    assert all(c["labelled"] and c["metric"] is None for c in cells)  # fixed trials stop on nothing
    assert all(c["sdc1_lo"] <= c["sdc1"] <= c["sdc1_hi"] for c in cells if c["ber"] > 0)
    for cell in cells:
        mine = frame[(frame.format == cell["format"]) & (frame.protection == cell["protection"]) &
                     (frame.ber == cell["ber"])]
        assert cell["trials"] == len(mine)
        assert cell["top1"] == pytest.approx((100 * mine.top1 / mine.images).mean())
        if cell["ber"] > 0:
            assert cell["top1_lo"] <= cell["top1"] <= cell["top1_hi"] and not math.isnan(cell["top1_lo"])
    files = results.report(tmp_path / "report")
    names = {os.path.basename(f) for f in files}
    assert {"summary.md", "summary.csv", "report.html"} <= names
    assert all(os.path.getsize(f) > 0 for f in files)
    assert len(flipguard.read_results(tmp_path / "r.jsonl")) == 16


def test_layer_campaign(tmp_path, models_dir):
    layers = []
    results = flipguard.run_layer_campaign(results=tmp_path / "l.jsonl", progress=layers.append, log=None,
                                           models_dir=models_dir, model="mnist8", formats="q3.4",
                                           protections="none", bers=1e-2, trials=2, images=32, threads=1)
    names = [w.name for w in flipguard.Model("mnist8", models_dir=models_dir).weights()]
    assert results.summary["layers"] == names and [p["layer"] for p in layers] == names
    faulty = [r for r in results.records if r["ber"] > 0]
    assert sorted({r["tensors"] for r in faulty}) == sorted(names) and len(faulty) == 2 * len(names)


def test_cells_of_data_without_labels_say_top1_is_not_available(tmp_path, models_dir):
    """Images without labels have no Top-1: cells say None (the CLI's n/a), never a fake 0 %, and carry the
    SDC-1 the adaptive cells stopped on (the default metric without labels)."""
    np = pytest.importorskip("numpy")
    x, _ = flipguard.load_images("mnist8", images=64, models_dir=models_dir)
    np.save(tmp_path / "x.npy", x)  # model inputs, no labels
    results = flipguard.run_campaign(results=tmp_path / "r.jsonl", log=None, models_dir=models_dir,
                                     model="mnist8", data=tmp_path / "x.npy", formats=["q3.4"],
                                     protections=["none"], bers=[1e-2], ci_target=20, min_trials=4,
                                     max_trials=8, wave=4, images_per_trial=0, threads=1, seed=3)
    cells = results.cells()
    assert [c["ber"] for c in cells] == [0.0, 1e-2]
    for cell in cells:
        assert cell["labelled"] is False
        for key in ("top1", "top1_std", "top1_lo", "top1_hi", "top5", "top5_lo", "top5_hi", "top1_min",
                    "top1_max"):
            assert cell[key] is None, (key, cell[key])
        assert isinstance(cell["sdc1"], float) and isinstance(cell["sdc5"], float)
    clean, faulty = cells
    assert clean["sdc1"] == 0 and clean["metric"] is None
    assert faulty["metric"] == "sdc1" and faulty["stopped"] in ("target reached", "max reached")
    assert 0 <= faulty["sdc1_lo"] <= faulty["sdc1"] <= faulty["sdc1_hi"] <= 100
    assert faulty["sdc1"] == pytest.approx(
        np.mean([100 * r["sdc1"] / r["images"] for r in results.records if r["ber"] > 0]))


def test_activation_campaign_from_python_equals_the_cli(tmp_path, cli, models_dir):
    # Faults in the values nodes write: int8 storage and clip-act take their scale and bounds from 32 clean
    # images after the 64 evaluated ones; the Python records are the CLI's, and the site is its own campaign.
    settings = dict(model="mnist8", site="activations", formats=["fp16", "int8"], protections=["none", "clip-act"],
                    bers=[1e-4], trials=2, images=64, batch=16, threads=1, seed=3, calibration_images=32,
                    models_dir=models_dir)
    cli_results = tmp_path / "cli.jsonl"
    run = subprocess.run([cli, "campaign", *cli_args(settings), "--results", str(cli_results)], check=True,
                         capture_output=True, text=True)
    assert "profiled on 32 images of mnist-test after the 64 evaluated" in run.stdout + run.stderr
    results = flipguard.run_campaign(results=tmp_path / "py.jsonl", log=None, **settings)
    assert without_timings(results.records) == without_timings(read_lines(cli_results))
    faulty = [r for r in results.records if r["ber"] > 0]
    assert len(faulty) == 2 * 2 * 2 and all(r["flips"] > 0 for r in faulty)
    weights = flipguard.run_campaign(results=tmp_path / "w.jsonl", log=None,
                                     **dict(settings, site="weights", formats=["fp16"], protections=["none"]))
    assert weights.records[0]["campaign"] != results.records[0]["campaign"]


def test_weights_and_activations_together_from_python_equal_the_cli(tmp_path, cli, models_dir):
    # Both sites in one campaign: the grid's int8 weights at each cell's rate, every activation in fp16 at ten
    # times it; the records name the second site and count its flips apart, as the CLI's do.
    settings = dict(model="mnist8", formats=["int8"], protections=["none", "scale"], bers=[1e-4], trials=2,
                    images=64, batch=16, threads=1, seed=5, second_site="activations", second_format="fp16",
                    second_ber="cell*10", models_dir=models_dir)
    cli_results = tmp_path / "cli.jsonl"
    subprocess.run([cli, "campaign", *cli_args(settings), "--results", str(cli_results)], check=True,
                   capture_output=True, text=True)
    results = flipguard.run_campaign(results=tmp_path / "py.jsonl", log=None, **settings)
    assert without_timings(results.records) == without_timings(read_lines(cli_results))
    faulty = [r for r in results.records if r["ber"] > 0]
    assert len(faulty) == 2 * 2
    for r in faulty:
        assert r["second"]["site"] == "activations" and r["second"]["format"] == "fp16"
        assert r["second"]["fault_model"].startswith("ber:0.001")
        assert 0 < r["second"]["flips"] < r["flips"]
    assert all("fault_model" not in r["second"] and r["flips"] == 0 for r in results.records if r["ber"] == 0)
