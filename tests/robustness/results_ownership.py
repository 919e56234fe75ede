#!/usr/bin/python3
"""A results file belongs to one run, and to flipguard only, whatever the user or the system does to the run.

Each case runs the real CLI on a small ResNet-20 campaign and checks what a user would meet:
  lock        a second run on the same file fails at once naming the file and the first run's pid; after the
              first is killed with SIGKILL the stale lock does not block the rerun, which resumes
  interrupt   SIGINT and SIGTERM end a run with exit 130 / 143 and one line saying how many trials are kept
              and that rerunning resumes; the resumed file equals an uninterrupted run's
  closed-fds  with standard error (or output, or both) closed at start, the results file holds records only
  full-disk   a results file on a full file system (a 8 KiB tmpfs, where mounting one is allowed) and one past
              a file size limit (ulimit -f) fail naming the real cause ("No space left on device", "File too
              large"), keep whole records only, and resume once there is room
  merge       a merge that cannot be written leaves neither its output nor a temporary behind

Usage: results_ownership.py FLIPGUARD_BINARY
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

TIMING = {"seconds_faults", "seconds_inference"}
BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/flipguard"
SOURCE = os.environ.get("FLIPGUARD_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
CASES = 0


def campaign(results, trials=4, images=20, extra=()):
    return [BINARY, "campaign", "--models-dir", os.path.join(SOURCE, "models"), "--formats", "q2.5",
            "--protections", "none,scale", "--bers", "1e-3", "--trials", str(trials), "--images", str(images),
            "--threads", "1", "--results", results, *extra]


def records(path):
    """Whole records of the file; every complete line must be one."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    tail = lines.pop()
    assert tail == b"", f"{path} ends with a partial line: {tail[:60]!r}"
    return [json.loads(line) for line in lines]


def same(a, b):
    strip = lambda r: {k: v for k, v in r.items() if k not in TIMING}  # noqa: E731
    assert [strip(r) for r in a] == [strip(r) for r in b], "records differ from the uninterrupted run's"


def wait_for_records(path, count, proc, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended early ({proc.returncode})"
        if os.path.exists(path):
            with open(path, "rb") as f:
                if f.read().count(b"\n") >= count:
                    return
        time.sleep(0.01)
    raise AssertionError(f"no {count} records in {path} after {limit} s")


def error_lines(stderr):
    return [l for l in stderr.splitlines() if l and not l.startswith(("warning: ", "note: ", "memory estimate: ", "trial "))]


def case(name):
    def wrap(fn):
        def run(tmp):
            global CASES
            fn(os.path.join(tmp, name))
            CASES += 1
            print(f"ok: {name}")
        run.__name__ = name
        return run
    return wrap


@case("lock")
def lock(tmp):
    os.makedirs(tmp)
    path = os.path.join(tmp, "r.jsonl")
    first = subprocess.Popen(campaign(path, trials=4000, images=200), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for_records(path, 2, first)
        t0 = time.monotonic()
        second = subprocess.run(campaign(path, trials=4000, images=200), capture_output=True, text=True,
                                timeout=60)
        took = time.monotonic() - t0
        assert second.returncode == 1, (second.returncode, second.stderr)
        err = error_lines(second.stderr)
        assert len(err) == 1 and path in err[0] and f"pid {first.pid}" in err[0], second.stderr
        assert took < 20, f"the refusal took {took:.1f} s"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # The killed run's lock died with it: the rerun takes the file and resumes its records.
    rerun = subprocess.run(campaign(path, trials=2, images=200), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "already in" in rerun.stdout and len(records(path)) >= 2, rerun.stdout


@case("interrupt")
def interrupt(tmp):
    os.makedirs(tmp)
    reference = os.path.join(tmp, "reference.jsonl")
    subprocess.run(campaign(reference, trials=12, images=100), check=True, capture_output=True, timeout=300)
    want = records(reference)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        path = os.path.join(tmp, f"{sig.name}.jsonl")
        proc = subprocess.Popen(campaign(path, trials=12, images=100), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        wait_for_records(path, 3, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == code, (sig.name, proc.returncode, err)
        lines = error_lines(err)
        assert len(lines) == 1, err
        kept = records(path)
        assert f"interrupted by {sig.name}" in lines[0] and "run the same command again to resume" in lines[0], lines
        assert f"({len(kept)} in all" in lines[0], (lines[0], len(kept))
        assert 3 <= len(kept) < len(want), len(kept)
        subprocess.run(campaign(path, trials=12, images=100), check=True, capture_output=True, timeout=300)
        same(records(path), want)


@case("closed-fds")
def closed_fds(tmp):
    os.makedirs(tmp)
    for redirect in ("2>&-", ">&-", ">&- 2>&-", "<&- >&- 2>&-"):
        path = os.path.join(tmp, f"r{len(redirect)}.jsonl")
        cmd = " ".join(f"'{a}'" for a in campaign(path, trials=2)) + " " + redirect
        subprocess.run(["sh", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        got = records(path)  # raises on any line that is not a record
        assert len(got) == 6, (redirect, len(got))


def full_disk_run(path, prefix):
    """Runs the campaign into `path` under a shell prefix that leaves little room; returns the result."""
    cmd = prefix + " exec " + " ".join(f"'{a}'" for a in campaign(path, trials=12))
    return subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=300)


@case("full-disk")
def full_disk(tmp):
    os.makedirs(tmp)
    reference = os.path.join(tmp, "reference.jsonl")
    subprocess.run(campaign(reference, trials=12), check=True, capture_output=True, timeout=300)
    want = records(reference)
    size = os.path.getsize(reference)
    limits = [("ulimit -f", f"ulimit -f {size // 3 // 1024 + 1};", "File too large", tmp)]
    mnt = os.path.join(tmp, "mnt")
    os.makedirs(mnt)
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=8k tmpfs '{mnt}'"],
                           capture_output=True)
    if probe.returncode == 0 and size > 8 * 1024:
        limits.append(("tmpfs", f"mount -t tmpfs -o size=8k tmpfs '{mnt}' &&", "No space left on device", mnt))
    else:
        print(f"note: full tmpfs case skipped (mount namespaces unavailable: {probe.returncode}, or the results "
              f"fit in 8 KiB: {size} bytes)")
    for name, prefix, cause, folder in limits:
        path = os.path.join(folder, f"{name.replace(' ', '-')}.jsonl")
        if name == "tmpfs":
            # The tmpfs lives in the run's own mount namespace: fill it, check, and resume in the same one.
            script = (f"{prefix} ({' '.join(repr(a) for a in campaign(path, trials=12))} >/dev/null 2>'{tmp}/err';"
                      f" echo $? > '{tmp}/rc'; cp '{path}' '{tmp}/full.jsonl')")
            subprocess.run(["unshare", "-m", "sh", "-c", script], timeout=300)
            rc, err = int(open(f"{tmp}/rc").read()), open(f"{tmp}/err").read()
            partial = os.path.join(tmp, "full.jsonl")
        else:
            r = full_disk_run(path, prefix)
            rc, err, partial = r.returncode, r.stderr, path
        lines = error_lines(err)
        assert rc == 1, (name, rc, err)
        assert len(lines) == 1 and cause in lines[0] and path in lines[0], (name, err)
        assert "Success" not in lines[0], lines[0]
        kept = records(partial)  # whole records only
        assert 0 < len(kept) < len(want), (name, len(kept))
        if name != "tmpfs":
            subprocess.run(campaign(path, trials=12), check=True, capture_output=True, timeout=300)
            same(records(path), want)


@case("merge")
def merge(tmp):
    os.makedirs(tmp)
    shard = os.path.join(tmp, "shard.jsonl")
    subprocess.run(campaign(shard, trials=12), check=True, capture_output=True, timeout=300)
    out = os.path.join(tmp, "merged.jsonl")
    limit = os.path.getsize(shard) // 2 // 1024 + 1
    r = subprocess.run(["sh", "-c", f"ulimit -f {limit}; exec '{BINARY}' merge '{out}' '{shard}'"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "File too large" in r.stderr, (r.returncode, r.stderr)
    assert not os.path.exists(out), os.listdir(tmp)
    assert not any(f.startswith("merged.jsonl.writing") for f in os.listdir(tmp)), os.listdir(tmp)
    ok = subprocess.run([BINARY, "merge", out, shard], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    same(records(out), records(shard))


def main():
    with tempfile.TemporaryDirectory(prefix="flipguard-ownership-") as tmp:
        for run in (lock, interrupt, closed_fds, full_disk, merge):
            run(tmp)
    print(f"ok: {CASES} cases")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
