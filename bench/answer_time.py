#!/usr/bin/python3
"""bench/answer_time: the wall time to a +- TARGET point answer (95 % interval half-width of Top-1) for a few
real campaign cells, flipguard's cell design against what a PyTorch user writes today.

(a) flipguard: `flipguard campaign --images-per-trial auto --ci-target TARGET` (pilot, then the design's images
    per trial and strata, a betting interval valid at the adaptive stop; docs/statistics.md).
(b) PyTorch (bench/campaign_pytorch.py answer): the same model as torch functional calls, the clean evaluation,
    then trials over ALL the images until the Student t 95 % half-width of the per-trial Top-1 is <= TARGET
    (after a few trials): the usual practice, not a valid interval (docs/statistics.md measures its coverage).

Both run alternately, cell by cell, as separate processes timed from start to exit (model and data loading
included). Then each cell's "truth" (a long flipguard design run with a tight target and its own seed) says
which intervals missed it. Prints the table; --json writes everything measured.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Cells: what (a) and (b) answer. batch: flipguard's --batch (PyTorch runs --batch, 16); torch_max: the
# PyTorch side's trial cap (beyond it the time is projected from its pace and spread); truth: --ci-target of
# the truth run (a flipguard design run with its own seed); pairs: runs of (a) then (b), seeds 1, 2, ...
FULL_CELLS = [
    dict(name="r20-tight", model="resnet20", data="cifar10-lossless200", images=200, format="q2.5",
         protection="scale", ber=1e-4, kind="tight", batch=16, torch_max=300, truth=0.5, pairs=2),
    dict(name="r20-collapse", model="resnet20", data="cifar10-lossless200", images=200, format="q2.5",
         protection="none", ber=1e-3, kind="collapse", batch=16, torch_max=300, truth=0.5, pairs=2),
    dict(name="r20-bimodal", model="resnet20", data="cifar10-lossless200", images=200, format="fp16",
         protection="none", ber=1e-6, kind="bimodal", batch=16, torch_max=300, truth=0.5, pairs=2),
    # flipguard at batch 1: the design then buys 1-2 image trials at their own price (at batch 16 it never
    # scores fewer than 16 images a trial; docs/statistics.md); ResNet-20 loses more at batch 1 than it saves.
    dict(name="r50-bimodal", model="resnet50", data="imagenet-val1300", images=64, format="fp32",
         protection="none", ber=1e-8, kind="bimodal", batch=1, torch_max=12, truth=1.0, pairs=1,
         layout="channels_last"),
]
QUICK_CELLS = [
    dict(name="r20-quick", model="resnet20", data="cifar10-lossless200", images=200, format="q2.5",
         protection="scale", ber=1e-4, kind="tight", batch=16, torch_max=50, truth=0, pairs=1),
]


def run_timed(cmd, log_path, env=None):
    """Runs cmd with its output to log_path; returns the wall seconds. Raises on failure, showing the log."""
    start = time.perf_counter()
    with open(log_path, "w") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if rc != 0:
        sys.stderr.write(open(log_path).read()[-4000:])
        raise SystemExit(f"answer_time: {' '.join(cmd)} exited with {rc}")
    return wall


def flipguard_side(args, cell, target, seed, max_trials, tmp, tag):
    name, model, data, images, fmt, prot, ber = (cell[k] for k in ("name", "model", "data", "images", "format",
                                                                      "protection", "ber"))
    results = os.path.join(tmp, f"{name}-{tag}.jsonl")
    for stale in (results, results[:-len(".jsonl")] + "-report"):
        if os.path.isdir(stale):
            shutil.rmtree(stale)
        elif os.path.exists(stale):
            os.remove(stale)
    cmd = [args.flipguard, "campaign", "--model", model, "--data", data, "--images", str(images),
           "--formats", fmt, "--protections", prot, "--bers", f"{ber:g}", "--images-per-trial", "auto",
           "--ci-target", f"{target:g}", "--max-trials", str(max_trials), "--seed", str(seed),
           "--batch", str(args.fg_batch or cell["batch"]), "--threads", str(args.threads),
           "--models-dir", args.models_dir,
           "--results", results]
    wall = run_timed(cmd, results + ".log")
    records = [json.loads(line) for line in open(results) if line.strip()]
    faulty = [r for r in records if r["ber"] != 0]
    clean = [r for r in records if r["ber"] == 0]
    summary = os.path.join(results[:-len(".jsonl")] + "-report", "summary.csv")
    if not os.path.exists(summary):  # the campaign writes its report beside the results; else ask for it
        subprocess.check_call([args.flipguard, "report", results], stdout=subprocess.DEVNULL, cwd=ROOT)
    row = [r for r in csv.DictReader(open(summary)) if float(r["ber"]) != 0][0]
    return dict(wall=wall, top1=float(row["top1_mean"]), lo=float(row["top1_lo"]), hi=float(row["top1_hi"]),
                stopped=row["stopped"], interval=row["interval"], trials=len(faulty),
                images=sum(r["images"] for r in records),
                trial_seconds=sum(r["seconds_faults"] + r["seconds_inference"] for r in records),
                images_per_trial=sorted({r["images"] for r in faulty}),
                clean_top1=100.0 * clean[0]["top1"] / clean[0]["images"] if clean else float("nan"),
                command=" ".join(cmd))


def torch_side(args, cell, seed, tmp, tag, env):
    name, model, data, images, fmt, prot, ber = (cell[k] for k in ("name", "model", "data", "images", "format",
                                                                      "protection", "ber"))
    out = os.path.join(tmp, f"{name}-{tag}-torch.json")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "campaign_pytorch.py"), "answer",
           "--model", os.path.join(args.models_dir, f"{model}.json"), "--data", data, "--images", str(images),
           "--format", fmt, "--protection", prot, "--ber", f"{ber:g}", "--target", f"{args.target:g}",
           "--min-trials", str(args.torch_min_trials), "--max-trials", str(cell["torch_max"]),
           "--batch", str(args.batch), "--threads", str(args.threads), "--seed", str(seed),
           "--mode", args.mode, "--layout", cell.get("layout", "nchw"), "--out", out]
    wall = run_timed(cmd, out + ".log", env=env)
    r = json.load(open(out))
    # Past the trial cap: the wall time the t rule would take, at this run's pace, to the trials it would need.
    pace = sum(r["trial_seconds"]) / len(r["trial_seconds"])
    projected = wall + (r["trials_needed"] - len(r["trials"])) * pace
    return dict(wall=wall, top1=r["top1"], lo=r["lo"], hi=r["hi"], reached=r["reached"],
                trials=len(r["trials"]), per_trial=r["trials"], images=(len(r["trials"]) + 1) * r["images"],
                trials_needed=r["trials_needed"], projected_wall=projected, trial_pace=pace,
                startup=wall - r["wall_seconds"] + r["setup_seconds"], clean_top1=r["clean_top1"],
                command=" ".join(cmd))


def contains(lo, hi, x):
    return lo - 1e-9 <= x <= hi + 1e-9


def miss_text(side, truth):
    if contains(side["lo"], side["hi"], truth["top1"]):
        return "no"
    disjoint = side["hi"] < truth["lo"] or side["lo"] > truth["hi"]
    return "yes, disjoint" if disjoint else "yes"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke test: one ResNet-20 cell, a 5-point target, no truth run; exit 1 unless both "
                        "sides give an interval, flipguard reaches the target and the clean Top-1 agree")
    p.add_argument("--cells", default="", help="comma-separated cell names (default: all of the mode)")
    p.add_argument("--pairs", type=int, default=0, help="(a),(b) pairs per cell (default: the cell's)")
    p.add_argument("--target", type=float, default=0.0, help="half-width target, points (default 2; quick 5)")
    p.add_argument("--max-trials", type=int, default=4000, help="flipguard --max-trials for (a)")
    p.add_argument("--torch-min-trials", type=int, default=3)
    p.add_argument("--torch-max-trials", type=int, default=0, help="override the cells' PyTorch trial caps")
    p.add_argument("--truth-target", type=float, default=-1, help="--ci-target of every truth run (0: none; "
                   "default: the cell's)")
    p.add_argument("--truth-max-trials", type=int, default=100000)
    p.add_argument("--truth-seed", type=int, default=1000)
    p.add_argument("--batch", type=int, default=16, help="PyTorch's batch")
    p.add_argument("--fg-batch", type=int, default=0, help="flipguard's --batch (default: the cell's)")
    # One thread a side by default: on a shared machine whose other processes keep the cores busy, two OpenMP
    # threads per process spin at every barrier while the other is descheduled, and both sides collapsed there
    # (ResNet-20 at load average ~10 on 2 cores: flipguard 1060 -> 47 images/s, PyTorch 900 -> 15).
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--mode", choices=["eager", "trace"], default="trace", help="PyTorch mode")
    p.add_argument("--flipguard", default=os.path.join(os.environ.get("FLIPGUARD_BUILD", "build"), "flipguard"))
    p.add_argument("--models-dir", default=os.environ.get("FLIPGUARD_MODELS", os.path.join(ROOT, "models")),
                   help="where MODEL.json and its ONNX file are (default: $FLIPGUARD_MODELS, else models/)")
    p.add_argument("--tmp", default="", help="keep the runs' files here (default: a temporary folder)")
    p.add_argument("--json", default="", help="write every measurement to this file")
    p.add_argument("--clean-tolerance", type=float, default=1.0)
    p.add_argument("--first-seed", type=int, default=1, help="the first pair's seed (then +1 per pair)")
    p.add_argument("--torch-only", action="store_true", help="run only the PyTorch side (more seeds of it)")
    p.add_argument("--truth-from", default="", metavar="JSON", help="take the cells' truths from an earlier "
                   "--json file instead of running them")
    p.add_argument("--tables", default="", metavar="JSON", help="only print the tables of --json files "
                   "(comma-separated: a cell's runs are joined, the first truth found is kept)")
    args = p.parse_args()
    if args.tables:
        print_tables(merge_runs([json.load(open(f)) for f in args.tables.split(",")]))
        return 0
    known = FULL_CELLS + QUICK_CELLS
    cells = QUICK_CELLS if args.quick else FULL_CELLS
    if args.cells:
        want = args.cells.split(",")
        cells = [c for c in known if c["name"] in want]
        if len(cells) != len(want):
            raise SystemExit(f"--cells: known: {', '.join(c['name'] for c in known)}")
    cells = [dict(c) for c in cells]
    for c in cells:
        if args.pairs:
            c["pairs"] = args.pairs
        if args.torch_max_trials:
            c["torch_max"] = args.torch_max_trials
        if args.truth_target >= 0:
            c["truth"] = args.truth_target
    args.target = args.target or (5.0 if args.quick else 2.0)
    if not os.path.isabs(args.flipguard):
        args.flipguard = os.path.join(ROOT, args.flipguard)
    tmp = args.tmp or tempfile.mkdtemp(prefix="answer_time.")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))

    print(f"answer_time: target +-{args.target:g} Top-1 points (95 %), PyTorch batch {args.batch}, {args.threads} "
          f"threads, PyTorch {args.mode}; started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; files in {tmp}",
          flush=True)
    measured = dict(target=args.target, batch=args.batch, threads=args.threads, mode=args.mode,
                    started=time.strftime("%Y-%m-%d %H:%M:%S %Z"), cells=[])

    def save():
        if args.json:
            with open(args.json, "w") as f:
                json.dump(measured, f, indent=1)

    ok = True
    for cell in cells:
        entry = dict(cell, runs=[])
        measured["cells"].append(entry)
        for i in range(cell["pairs"]):
            seed = args.first_seed + i
            if args.torch_only:
                th = torch_side(args, cell, seed, tmp, f"s{seed}", env)
                entry["runs"].append(dict(seed=seed, flipguard=None, torch=th))
                save()
                print(f"{cell['name']} seed {seed}: PyTorch {th['wall']:.1f} s, {th['top1']:.2f} [{th['lo']:.2f}, "
                      f"{th['hi']:.2f}], {th['trials']} trials, reached {th['reached']}", flush=True)
                continue
            fg = flipguard_side(args, cell, args.target, seed, args.max_trials, tmp, f"s{seed}")
            th = torch_side(args, cell, seed, tmp, f"s{seed}", env)
            entry["runs"].append(dict(seed=seed, flipguard=fg, torch=th))
            save()
            capped = "" if th["reached"] else f" (cap; needs ~{th['trials_needed']}, ~{th['projected_wall']:.0f} s)"
            print(f"{cell['name']} seed {seed}: flipguard {fg['wall']:.1f} s, {fg['top1']:.2f} [{fg['lo']:.2f}, "
                  f"{fg['hi']:.2f}], {fg['trials']} trials ({fg['stopped']}), {fg['images']} images | PyTorch "
                  f"{th['wall']:.1f} s, {th['top1']:.2f} [{th['lo']:.2f}, {th['hi']:.2f}], {th['trials']} trials"
                  f"{capped}, {th['images']} images | ratio {th['wall'] / fg['wall']:.2f}x | clean "
                  f"{fg['clean_top1']:.2f} / "
                  f"{th['clean_top1']:.2f}", flush=True)
            if not all(math.isfinite(v) for v in (fg["lo"], fg["hi"], th["lo"], th["hi"])):
                print(f"{cell['name']}: an interval is missing", flush=True)
                ok = False
            if abs(fg["clean_top1"] - th["clean_top1"]) > args.clean_tolerance:
                print(f"{cell['name']}: clean Top-1 differs: flipguard {fg['clean_top1']:.2f}, PyTorch "
                      f"{th['clean_top1']:.2f}", flush=True)
                ok = False
            if fg["stopped"] != "target reached":
                print(f"{cell['name']}: flipguard stopped on '{fg['stopped']}', not on the target", flush=True)
                ok = False

    truths = {}
    if args.truth_from:
        truths = {e["name"]: e["truth_run"] for e in json.load(open(args.truth_from))["cells"] if "truth_run" in e}
    for cell, entry in zip(cells, measured["cells"]):
        if cell["name"] in truths:
            entry["truth_run"] = dict(truths[cell["name"]], source=args.truth_from)
        elif cell["truth"] > 0 and not args.torch_only:
            truth = flipguard_side(args, cell, cell["truth"], args.truth_seed, args.truth_max_trials, tmp, "truth")
            entry["truth_run"] = truth
            save()
            print(f"{cell['name']} truth: {truth['top1']:.2f} [{truth['lo']:.2f}, {truth['hi']:.2f}], "
                  f"{truth['trials']} trials ({truth['stopped']}), {truth['images']} images, {truth['wall']:.1f} s",
                  flush=True)
    measured["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    save()
    print()
    print_tables(measured)
    if args.quick:
        print("answer_time quick: " + ("ok" if ok else "FAILED"))
        return 0 if ok else 1
    return 0


def merge_runs(files):
    """One measurement from several --json files: each cell's runs in file order, its first truth."""
    merged = dict(files[0], cells=[])
    by_name = {}
    for m in files:
        for e in m["cells"]:
            if e["name"] not in by_name:
                by_name[e["name"]] = dict(e, runs=[])
                merged["cells"].append(by_name[e["name"]])
            by_name[e["name"]]["runs"] += e["runs"]
            if "truth_run" in e and "truth_run" not in by_name[e["name"]]:
                by_name[e["name"]]["truth_run"] = e["truth_run"]
    return merged


def print_tables(measured):
    print("| cell | seed | flipguard s | PyTorch s | ratio | flipguard Top-1 [95 % betting-mix] | trials / images "
          "| PyTorch Top-1 [95 % t] | trials / images | t misses truth | flipguard misses truth |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    fg_total = th_total = th_proj_total = 0.0
    for e in measured["cells"]:
        truth = e.get("truth_run")
        for run in e["runs"]:
            fg, th = run["flipguard"], run["torch"]
            if fg is None:  # --torch-only
                fg = dict(wall=float("nan"), top1=float("nan"), lo=float("nan"), hi=float("nan"), trials=0,
                          images=0)
            else:  # the totals are over the pairs
                fg_total += fg["wall"]
                th_total += th["wall"]
                th_proj_total += th["projected_wall"]
            pt_wall = f"{th['wall']:.1f}"
            ratio = f"{th['wall'] / fg['wall']:.1f}x"
            pt_trials = f"{th['trials']} / {th['images']}"
            if not th["reached"]:
                pt_wall += f" (cap; ~{th['projected_wall']:.0f} to target)"
                ratio = f">= {ratio} (~{th['projected_wall'] / fg['wall']:.0f}x)"
                pt_trials += f" (needs ~{th['trials_needed']})"
            fg_wall = f"{fg['wall']:.1f}"
            fg_interval = f"{fg['top1']:.2f} [{fg['lo']:.2f}, {fg['hi']:.2f}]"
            fg_trials = f"{fg['trials']} / {fg['images']}"
            if run["flipguard"] is None:
                fg_wall = ratio = fg_interval = fg_trials = "-"
            print(f"| {e['name']}: {e['model']} {e['format']} {e['protection']} {e['ber']:g}, {e['images']} img, "
                  f"fg batch {e['batch']} "
                  f"| {run['seed']} | {fg_wall} | {pt_wall} | {ratio} | {fg_interval} | {fg_trials} "
                  f"| {th['top1']:.2f} [{th['lo']:.2f}, {th['hi']:.2f}] | {pt_trials} "
                  f"| {miss_text(th, truth) if truth else ''} "
                  f"| {miss_text(fg, truth) if truth and run['flipguard'] else ''} |")
    if fg_total > 0:
        print(f"\ntotal wall over the pairs: flipguard {fg_total:.1f} s, PyTorch {th_total:.1f} s "
              f"({th_total / fg_total:.2f}x); PyTorch to target where capped (projected): ~{th_proj_total:.0f} s "
              f"({th_proj_total / fg_total:.1f}x)")
    # Per cell over its runs: mean wall of each side (the t practice's time is itself random: a lucky start stops
    # it after a few trials, a collapse seen makes it run to the cap), and how often each interval missed.
    print()
    print("| cell | runs | flipguard mean s | PyTorch mean s (projected to target) | ratio of means (projected) "
          "| t misses truth | flipguard misses truth |")
    print("|---|---|---|---|---|---|---|")
    for e in measured["cells"]:
        truth = e.get("truth_run")
        fgs = [r["flipguard"] for r in e["runs"] if r["flipguard"]]
        ths = [r["torch"] for r in e["runs"]]
        fg_mean = sum(f["wall"] for f in fgs) / len(fgs) if fgs else float("nan")
        th_mean = sum(t["wall"] for t in ths) / len(ths)
        th_proj = sum(t["projected_wall"] for t in ths) / len(ths)
        tm = sum(not contains(t["lo"], t["hi"], truth["top1"]) for t in ths) if truth else None
        fm = sum(not contains(f["lo"], f["hi"], truth["top1"]) for f in fgs) if truth else None
        print(f"| {e['name']} | {len(fgs)} + {len(ths)} | {fg_mean:.1f} | {th_mean:.1f} ({th_proj:.0f}) "
              f"| {th_mean / fg_mean:.2f}x ({th_proj / fg_mean:.1f}x) | "
              f"{'' if tm is None else f'{tm} of {len(ths)}'} | {'' if fm is None else f'{fm} of {len(fgs)}'} |")
    if any("truth_run" in e for e in measured["cells"]):
        print()
        print("| cell | truth Top-1 [95 %] (flipguard design) | truth target / trials / images / s "
              "| PyTorch trials pooled: mean +- 2 SE (n) |")
        print("|---|---|---|---|")
        for e in measured["cells"]:
            t = e.get("truth_run")
            if not t:
                continue
            pooled = [v for run in e["runs"] for v in run["torch"]["per_trial"]]
            n = len(pooled)
            m = sum(pooled) / n
            se = math.sqrt(sum((v - m) ** 2 for v in pooled) / (n - 1) / n) if n > 1 else float("nan")
            print(f"| {e['name']} | {t['top1']:.2f} [{t['lo']:.2f}, {t['hi']:.2f}] | +-{e['truth']:g} / "
                  f"{t['trials']} / {t['images']} / {t['wall']:.0f} | {m:.2f} +- {2 * se:.2f} ({n}) |")
    print("\nmiss: the interval excludes the truth's estimate; 'disjoint': it excludes the truth's whole interval")
    print()
    print("Where the ratio comes from (per run): images scored by each side (clean pass included: the design's "
          "share), images/s over the evaluations (the engine's share; PyTorch's JIT warm-up in its first passes "
          "included), and the time outside them (process start, model and data loading, PyTorch's trace, "
          "flipguard's report)")
    print()
    print("| cell | seed | images PyTorch / flipguard | ratio | images/s flipguard / PyTorch | ratio "
          "| outside trials s flipguard / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for e in measured["cells"]:
        for run in e["runs"]:
            fg, th = run["flipguard"], run["torch"]
            if fg is None:
                continue
            fg_rate = fg["images"] / fg["trial_seconds"]
            th_rate = th["images"] / (th["wall"] - th["startup"])
            fg_out = fg["wall"] - fg["trial_seconds"]
            th_out = th["startup"]
            print(f"| {e['name']} | {run['seed']} | {th['images']} / {fg['images']} | "
                  f"{th['images'] / fg['images']:.1f}x | {fg_rate:.0f} / {th_rate:.0f} | {fg_rate / th_rate:.1f}x "
                  f"| {fg_out:.1f} / {th_out:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
