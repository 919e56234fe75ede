#!/usr/bin/env bash
# `pip install .` as the README gives it: into a fresh venv that sees the system's packages (numpy, torch),
# offline, without build isolation (setup.py drives CMake, target _flipguard). The installed package, imported
# from outside the source tree, must then encode a format, run a model and a small campaign.
# usage: check_pip.sh SOURCE_DIR PYTHON
set -euo pipefail
src=$1 python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
PIP_NO_INDEX=1 "$work/venv/bin/pip" install --no-build-isolation --no-deps --quiet "$src"
cd "$work"
"$work/venv/bin/python" - "$src" <<'PY'
import os, sys
import numpy as np
import flipguard

src = sys.argv[1]
assert flipguard.__file__.startswith(sys.prefix), (flipguard.__file__, sys.prefix)  # the venv's, not the build's
assert list(flipguard.Format("q2.5").encode(np.array([0.3, -1.7]))) == [10, 202]
model = flipguard.Model("mnist8", models_dir=os.path.join(src, "models"))
assert model.run(np.zeros((3, 1, 28, 28), np.float32)).shape == (3, 10)
results = flipguard.run_campaign(model="mnist8", models_dir=os.path.join(src, "models"), formats="q3.4",
                                 protections="none", bers=1e-3, trials=2, images=32, results="r.jsonl", log=None)
assert len(results.records) == 3 and results.summary["trials_run"] == 3
print(f"pip install: ok ({flipguard.__file__})")
PY
