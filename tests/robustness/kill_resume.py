#!/usr/bin/python3
"""Crash safety of campaign results: a real small campaign (ResNet-20, 20 images, 4 configurations x 2 BERs x
3 trials + clean records: 28 records) is killed with SIGKILL at seeded random moments -- very early (process
start, model load), anywhere in the run, and right after a record appears in the results file -- and restarted
each time. After every kill the file must hold only complete valid records of this campaign plus at most one
partial last line; at the end it must equal an uninterrupted run's file in every field but the timings.

Usage: kill_resume.py FLIPGUARD_BINARY [--kills N] [--seed S]
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

TIMING = {"seconds_faults", "seconds_inference"}


def campaign_cmd(binary, results, source_dir):
    return [binary, "campaign", "--models-dir", os.path.join(source_dir, "models"),
            "--formats", "q2.5,fp16", "--protections", "none,scale", "--bers", "1e-4,1e-3",
            "--trials", "3", "--images", "20", "--seed", "7", "--threads", "1", "--results", results]


def check_file(path, campaign=None):
    """Complete lines must be valid records (of one campaign); only the last line may be partial.
    Returns (records, has_partial_tail)."""
    if not os.path.exists(path):
        return [], False
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: b"" when the file ends with a full line
    records = []
    for number, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise AssertionError(f"{path}:{number}: complete line is not JSON ({e}): {line[:80]!r}")
        if campaign is not None and rec["campaign"] != campaign:
            raise AssertionError(f"{path}:{number}: record of campaign {rec['campaign']}, expected {campaign}")
        campaign = rec["campaign"]
        records.append(rec)
    return records, tail != b""


def without_timing(rec):
    return {k: v for k, v in rec.items() if k not in TIMING}


def compare(final, reference):
    assert len(final) == len(reference), f"{len(final)} records, the uninterrupted run has {len(reference)}"
    for i, (got, want) in enumerate(zip(final, reference), 1):
        assert without_timing(got) == without_timing(want), f"line {i} differs:\n{got}\n{want}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    source_dir = os.environ.get("FLIPGUARD_SOURCE_DIR") or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="flipguard-kill-") as tmp:
        ref_path = os.path.join(tmp, "reference.jsonl")
        t0 = time.monotonic()
        subprocess.run(campaign_cmd(args.binary, ref_path, source_dir), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        full_run = time.monotonic() - t0
        reference, partial = check_file(ref_path)
        assert not partial and len(reference) == 28, f"reference run wrote {len(reference)} records"
        campaign = reference[0]["campaign"]

        path = os.path.join(tmp, "killed.jsonl")
        kinds = {"early": 0, "anywhere": 0, "at-write": 0}
        kills = torn = runs = completed = 0
        while True:
            runs += 1
            assert runs < 3 * args.kills + 20, "the campaign does not finish"
            proc = subprocess.Popen(campaign_cmd(args.binary, path, source_dir), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            if kills < args.kills:
                # Cycle through the kinds so each gets its share; the moment within a kind is random.
                kind = ("early", "anywhere", "at-write")[kills % 3]
                if kind == "early":
                    time.sleep(rng.uniform(0.0, 0.25))
                elif kind == "anywhere":
                    time.sleep(rng.uniform(0.0, full_run))
                else:
                    # Wait for the file to grow (a record was just written), then kill within ~2 ms.
                    start = os.path.getsize(path) if os.path.exists(path) else 0
                    deadline = time.monotonic() + 2 * full_run
                    while proc.poll() is None and time.monotonic() < deadline:
                        if os.path.exists(path) and os.path.getsize(path) != start:
                            break
                        time.sleep(0.0005)
                    time.sleep(rng.uniform(0.0, 0.002))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                    kinds[kind] += 1
                _, err = proc.communicate()
                if proc.returncode not in (0, -signal.SIGKILL):
                    raise AssertionError(f"run {runs} failed with {proc.returncode}: {err.decode()}")
                records, partial = check_file(path, campaign)
                torn += partial
                if proc.returncode == 0:
                    # Finished before the kill: check it, then start over so the remaining kills land too.
                    compare(records, reference)
                    completed += 1
                    if kills >= args.kills:
                        break
                    os.remove(path)
                continue
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise AssertionError(f"final run failed with {proc.returncode}: {err.decode()}")
            break

        final, partial = check_file(path, campaign)
        assert not partial, "the finished file ends with a partial line"
        compare(final, reference)
        completed += 1
        print(f"ok: {kills} SIGKILLs ({kinds}) over {runs} runs, {torn} left a partial last line; "
              f"{completed} finished files equal the uninterrupted run's {len(final)} records "
              f"(uninterrupted: {full_run:.2f} s)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
