#!/usr/bin/python3
"""Tables for results/paper/README.md: each cell of a fixed-subset run (its Student t interval) beside the
same cell re-derived with valid intervals (*-valid.jsonl: the cell design over val1300, betting confidence
sequence), and what each cost in inferences. Reads the reports' summary.csv and the results files only.

  results/paper/valid_tables.py [GRID...]     GRID e.g. squeezenet11-q2.5 (default: every *-valid.jsonl)
"""
import csv
import glob
import json
import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def cells(summary):
    with open(summary) as f:
        return {(r["format"], r["protection"], float(r["ber"])): r for r in csv.DictReader(f)}


def inferences(results):
    """Images scored per cell (the whole cost of a cell's trials), and per cell the trials reused."""
    images, reused = defaultdict(int), defaultdict(int)
    with open(results) as f:
        for line in f:
            r = json.loads(line)
            key = (r["format"], r["protection"], float(r["ber"]))
            images[key] += r["images"]
            reused[key] += 1 if r.get("reused") else 0
    return images, reused


def fixed_results(grid):
    """The fixed-subset results file and report of a grid (the sampled re-runs supersede some cells)."""
    return os.path.join(HERE, grid + ".jsonl"), os.path.join(HERE, grid + "-report", "summary.csv")


def table(grid):
    old_results, old_summary = fixed_results(grid)
    new_results = os.path.join(HERE, grid + "-valid.jsonl")
    new_summary = os.path.join(HERE, grid + "-valid-report", "summary.csv")
    old, new = cells(old_summary), cells(new_summary)
    old_cost, _ = inferences(old_results)
    new_cost, reused = inferences(new_results)
    print(f"\n**{grid}** (fixed subset: mean +- t half-width, trials x images; valid: mean [95% interval], trials, "
          "inferences, trials reused)\n")
    print("| cell | fixed subset (t) | valid (betting, val1300) | inferences before / after |")
    print("| --- | --- | --- | --- |")
    totals = [0, 0]
    for key in sorted(new, key=lambda k: (k[0], k[1], k[2])):
        n = new[key]
        o = old.get(key)
        if key[2] == 0:  # the clean cell: one pass, a binomial interval over its images
            old_text = "-" if o is None else f"{float(o['top1_mean']):.2f} ({o['images']} images)"
            print(f"| {key[0]} {key[1]} clean | {old_text} | {float(n['top1_mean']):.2f} "
                  f"[{float(n['top1_lo']):.2f}, {float(n['top1_hi']):.2f}] ({n['images']} images) | |")
            continue
        before = old_cost.get(key, 0)
        after = new_cost.get(key, 0)
        totals[0] += before
        totals[1] += after
        old_text = "-" if o is None else (
            f"{float(o['top1_mean']):.2f} +- {float(o['top1_ci95']):.2f} ({o['trials']} x {o['images']})")
        new_text = (f"{float(n['top1_mean']):.2f} [{float(n['top1_lo']):.2f}, {float(n['top1_hi']):.2f}] "
                    f"({n['trials']}{', ' + str(reused[key]) + ' reused' if reused[key] else ''})")
        print(f"| {key[0]} {key[1]} {key[2]:g} | {old_text} | {new_text} | {before:,} / {after:,} |")
    print(f"\nInferences over the faulty cells: {totals[0]:,} before, {totals[1]:,} after.")
    return totals


def main():
    grids = sys.argv[1:] or sorted(os.path.basename(p)[:-len("-valid.jsonl")]
                                   for p in glob.glob(os.path.join(HERE, "*-valid.jsonl")))
    grand = [0, 0]
    for g in grids:
        t = table(g)
        grand[0] += t[0]
        grand[1] += t[1]
    print(f"\nAll grids: {grand[0]:,} inferences before, {grand[1]:,} after.")


if __name__ == "__main__":
    main()
