#!/usr/bin/env bash
# Installs flipguard into a scratch prefix and builds an outside project against it, twice: with CMake
# (find_package) and with pkg-config. Both must compile every installed header, run a model and print the
# same logits, which must match the independent reference interpreter (scripts/reference). No internal
# header may be installed.
# usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="$src/models/mnist8.onnx"

cmake --install "$build" --prefix "$work/prefix" >/dev/null
inc="$work/prefix/include/flipguard"
[ -f "$inc/flipguard.hpp" ] || { echo "FAIL: flipguard.hpp not installed"; exit 1; }
for internal in engine/build_context.hpp engine/layer.hpp campaign/running/coordinator.hpp \
  campaign/records/trial_record_json.hpp; do
  if [ -e "$inc/$internal" ]; then echo "FAIL: internal header $internal installed"; exit 1; fi
done
if grep -rlE '#include <(oneapi|dnnl|onnx|toml|nlohmann|google)' "$inc"; then
  echo "FAIL: a public header includes a dependency's header (listed above)"; exit 1
fi

# One translation unit including every installed header: each must be self-contained.
cp -r "$src/tests/install/consumer" "$work/consumer"
(cd "$inc" && find . -name '*.hpp' | sort | sed 's|^\./|#include <flipguard/|; s|$|>|') > "$work/consumer/all_headers.cpp"
echo "installed headers: $(grep -c include "$work/consumer/all_headers.cpp")"

cmake -S "$work/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake-build/run_model" "$model" 2 > "$work/cmake.out"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -std=c++20 -O2 "$work/consumer/run_model.cpp" "$work/consumer/all_headers.cpp" -o "$work/pc_run_model" \
  $(pkg-config --cflags --libs flipguard)
"$work/pc_run_model" "$model" 2 > "$work/pc.out"
# The example of docs/api.md (its first C++ block), as printed there.
awk '/^```cpp/{n++; next} /^```/{if (n==1) exit} n==1' "$src/docs/api.md" > "$work/api_example.cpp"
g++ -std=c++20 -O2 "$work/api_example.cpp" -o "$work/api_example" $(pkg-config --cflags --libs flipguard)
(cd "$src" && "$work/api_example") | grep -q "logit 0" || { echo "FAIL: the docs/api.md example"; exit 1; }
cmp "$work/cmake.out" "$work/pc.out" || { echo "FAIL: the CMake and pkg-config builds disagree"; exit 1; }
cat "$work/cmake.out"

/usr/bin/python3 - "$model" "$work/cmake.out" "$src/scripts/reference" <<'PY'
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[3])
from interpreter import OnnxReference
model, out = sys.argv[1], open(sys.argv[2]).read().splitlines()
logits = np.array([[float(v) for v in line.split()] for line in out[:2]], dtype=np.float64)
ref = OnnxReference(model)
n = 1 * 28 * 28
x = np.sin(0.001 * np.arange(2 * n, dtype=np.float64)).astype(np.float32).reshape(2, 1, 28, 28)
want = ref.run(torch.from_numpy(x)).numpy().astype(np.float64)
err = np.abs(logits - want).max() / max(np.abs(want).max(), 1e-6)
print(f"max |logit - reference| / logit scale = {err:.2e}")
assert logits.shape == want.shape, (logits.shape, want.shape)
assert err < 1e-4, err
assert out[2].endswith(": yes"), out[2]
PY
echo "install: ok"
