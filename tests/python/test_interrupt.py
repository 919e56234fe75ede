"""Ctrl-C during a campaign from Python (as a notebook's interrupt sends it): KeyboardInterrupt naming the
records kept, Python's own handler back afterwards, and a rerun resumes. (That a second signal within the run
does not end the process is tests/platform/test_interrupt_scope.cpp's: from outside, its timing would race.)"""

import json
import os
import signal
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import signal, sys
    import flipguard
    settings = dict(model="mnist8", formats=["q3.4"], protections=["none"], bers=[1e-3], trials=100000,
                    images=64, batch=16, threads=1, results=sys.argv[1], models_dir=sys.argv[2])
    def started(p):
        if p["trials_done"] == 3:
            print("running", flush=True)
    try:
        flipguard.run_campaign(progress=started, log=None, **settings)
        print("not interrupted")
    except KeyboardInterrupt as e:
        print("interrupt:", e, flush=True)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, signal.getsignal(signal.SIGINT)
    settings["trials"] = 2  # what is on file already covers it: nothing to run
    again = flipguard.run_campaign(log=None, **settings)
    print("resumed", again.summary["trials_run"], again.summary["trials_skipped"], flush=True)
""")


def test_sigint_keeps_the_records_and_returns_to_python(tmp_path, models_dir):
    results = tmp_path / "r.jsonl"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(results), models_dir], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert child.stdout.readline().strip() == "running"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("interrupt: interrupted by SIGINT: "), out
    assert "trials of this run kept in " + str(results) in lines[0] and "resume" in lines[0]
    with open(results) as f:
        records = [json.loads(line) for line in f]  # whole records only
    kept = int(lines[0].split("SIGINT: ")[1].split()[0])
    assert len(records) == kept >= 3
    # The rerun asks for the clean evaluation and 2 trials, all on file; the signal may land after a further
    # trial finished (the child prints "running" at 3 and the machine may be busy), leaving more on file.
    assert lines[1] == f"resumed 0 {min(kept, 3)}", out
