"""Campaigns from Python: keyword arguments are the keys of the settings table (docs/settings.md), exactly as
in a TOML study file; records are the results file's JSON objects."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional

from . import _flipguard


def _stderr(text: str) -> None:
    # Looked up at each line, so a notebook's redirected stream gets it.
    sys.stderr.write(text)


def _path(p) -> Optional[str]:
    return None if p is None else os.fspath(p)


def _callbacks(progress, log):
    # Checked before any work: a progress that is no function failed only after the first trial.
    for name, f in (("progress", progress), ("log", log)):
        if f is not None and not callable(f):
            raise TypeError(f"{name}: expects a function or None, got {type(f).__name__} {f!r}")
    return progress, log


def run_campaign(config=None, *, progress: Optional[Callable[[dict], Any]] = None,
                 log: Optional[Callable[[str], Any]] = _stderr, **settings) -> "Results":
    """Runs (or resumes) a campaign and returns its results file's records.

    config: a TOML study file (its keys first, then the keyword arguments over them). Keyword arguments are the
    settings' keys (flipguard.settings(), docs/settings.md): strings in their command-line form
    ("q2.5,fp16", "1e-4"), or typed values (formats=["q2.5", "fp16"], bers=[1e-4, 1e-3], trials=10). List
    settings take any sequence (list, tuple, numpy array) or one value; numbers may be numpy scalars. A wrong
    type raises TypeError, a bad value ValueError, each naming the setting. None leaves a setting at its
    default.
    progress: called after each trial with a dict (trials_done, trials_expected, trials_total, cell,
    images_per_second, eta_seconds, record: the trial's record). An exception it raises ends the campaign
    (the records written are kept) and is raised here.
    log: called with each line the campaign logs (None: silent).

    Ctrl-C (a notebook's interrupt) ends the campaign between trials: the records written are kept, the
    running trial is dropped, and KeyboardInterrupt says so; the same call again resumes.
    """
    summary = _flipguard._run("campaign", settings, _path(config), *_callbacks(progress, log))
    return Results(summary["results"], summary)


def run_layer_campaign(config=None, *, progress: Optional[Callable[[dict], Any]] = None,
                       log: Optional[Callable[[str], Any]] = _stderr, **settings) -> "Results":
    """One stored tensor at a time (flipguard layer-campaign): the same settings as run_campaign but for the
    adaptive ones; progress gets a dict per layer (layers_done, layers_total, layer, skipped, trials_done,
    trials_total, seconds)."""
    summary = _flipguard._run("layer-campaign", settings, _path(config), *_callbacks(progress, log))
    return Results(summary["results"], summary)


class Results:
    """A campaign's results file: its records (dicts, the JSON Lines objects), cells and reports."""

    def __init__(self, path, summary: Optional[dict] = None):
        self.path = os.fspath(path)
        self.summary = dict(summary or {})

    @property
    def records(self) -> List[Dict[str, Any]]:
        """Every record of the file, in file order (read at each access: a running campaign adds to it)."""
        records, notes = _flipguard._read_results(self.path)
        for note in notes:
            warnings.warn(note, stacklevel=2)
        return records

    def to_pandas(self):
        """The records as a pandas DataFrame, one row per trial, with the columns of the JSON Lines."""
        import pandas

        return pandas.DataFrame.from_records(self.records)

    def cells(self) -> List[Dict[str, Any]]:
        """One dict per (format, protection, BER) cell: mean Top-1/Top-5 and SDC-1/SDC-5 over its trials
        (percent) with the 95% interval the report shows (top1, top1_lo, top1_hi, ..., sdc1, sdc1_lo, ...),
        and the cell's other summaries. What a cell did not measure is None, as the CLI's n/a: Top-1/Top-5
        (and top1_min/top1_max) on data without labels (labelled False), SDC in files older than it. metric:
        what adaptive trials stopped on ("top1", or "sdc1", the default without labels); None for fixed
        trials. A language model's cells (language_model True) have its shares instead (token_top1,
        token_sdc, ppl_2x, ... with _lo/_hi) and its medians over trials: perplexity, nll, kl, each with
        the distribution-free interval of the median (perplexity_lo, perplexity_hi)."""
        # The share metrics of the registry (top1, top5, sdc1, sdc5), each a nested estimate in _cells.
        metrics = tuple(m["id"] for m in _flipguard._metrics() if m["bounded"])
        # A language model's medians (perplexity, nll, kl): the median and its order-statistic interval.
        medians = tuple(m["id"] for m in _flipguard._metrics() if m["median"])
        out = []
        for cell in _flipguard._cells(self.path):
            flat = {k: v for k, v in cell.items() if k not in metrics and k not in medians}
            for metric in metrics:
                e = cell[metric]
                flat[metric] = None if e is None else e["mean"]
                for part in ("std", "lo", "hi"):
                    flat[metric + "_" + part] = None if e is None else e[part]
            for metric in medians:
                e = cell.get(metric)
                flat[metric] = None if e is None else e["median"]
                for part in ("lo", "hi"):
                    flat[metric + "_" + part] = None if e is None else e[part]
            out.append(flat)
        return out

    def report(self, out=None, title: Optional[str] = None) -> List[str]:
        """Writes summary.md, summary.csv, the SVG plots and report.html (as `flipguard report`); returns the
        files written."""
        return report(self.path, out, title)

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"Results({self.path!r})"


def read_results(path) -> Results:
    """The records of an existing results file (any campaign's, from the CLI or Python)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.fspath(path)}: no such results file")
    return Results(path)


def report(results, out=None, title: Optional[str] = None) -> List[str]:
    """`flipguard report` from Python: tables and plots from a results file; returns the files written."""
    written = _flipguard._report(os.fspath(results), _path(out) or "", title or "")
    for note in written["warnings"]:
        warnings.warn(note, stacklevel=2)
    return written["files"]


def settings() -> List[Dict[str, Any]]:
    """The campaign settings (the table behind the CLI flags, TOML keys and these keyword arguments): key,
    flag, type, default, range, commands and help of each."""
    return _flipguard._settings()
