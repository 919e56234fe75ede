"""Formats and protections from numpy: bit-exact against the CLI's inspect-format (the C++ results) and
against independent numpy implementations of each format."""

import re
import subprocess

import numpy as np
import pytest

import flipguard

FORMATS = ["fp32", "fp16", "bf16", "q2.5", "q3.4", "q1.6", "q0.7", "q7.8", "q2.13", "int8", "int8-channel"]
DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32}


def all_patterns(fmt):
    return np.arange(1 << fmt.bits, dtype=np.int64).astype(DTYPES[fmt.bits])


# --- Independent references (numpy only) -------------------------------------------------------------------

def reference_decode(name, patterns, scale=1.0):
    p = np.asarray(patterns)
    if name == "fp32":
        return p.astype(np.uint32).view(np.float32)
    if name == "fp16":
        return p.astype(np.uint16).view(np.float16).astype(np.float32)
    if name == "bf16":
        return (p.astype(np.uint32) << 16).view(np.float32)
    if name.startswith("int8"):
        return (p.astype(np.uint8).view(np.int8).astype(np.float32) * np.float32(scale)).astype(np.float32)
    m, n = (int(v) for v in name[1:].split("."))
    width = 1 + m + n
    signed = p.astype(np.int64)
    signed = np.where(signed >= 1 << (width - 1), signed - (1 << width), signed)
    return (signed.astype(np.float64) / 2.0**n).astype(np.float32)


def reference_encode(name, x, scale=1.0):
    x = np.asarray(x, dtype=np.float32)
    if name == "fp32":
        return x.view(np.uint32)
    if name == "fp16":
        return x.astype(np.float16).view(np.uint16)  # numpy rounds to nearest even
    if name == "bf16":
        bits = x.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest even (no NaN here)
        return rounded.astype(np.uint16)
    if name.startswith("int8"):
        q = np.clip(np.rint(x.astype(np.float64) / np.float64(np.float32(scale))), -127, 127)
        return q.astype(np.int64).astype(np.int8).view(np.uint8)
    m, n = (int(v) for v in name[1:].split("."))
    width = 1 + m + n
    q = np.clip(np.rint(x.astype(np.float64) * 2.0**n), -(1 << (width - 1)), (1 << (width - 1)) - 1)
    return (q.astype(np.int64) & ((1 << width) - 1)).astype(DTYPES[8 if width <= 8 else 16])


def random_values(fmt, rng, count=20000):
    """Values spread over the format's range, with exact ties and out-of-range ones among them."""
    top = fmt.max_abs if not fmt.name.startswith("int8") else 127.0
    if fmt.name in ("fp32", "fp16", "bf16"):
        mags = np.exp(rng.uniform(np.log(1e-9), np.log(min(top, 1e30)), count))
    else:
        mags = rng.uniform(0, 1.3 * top, count)
    values = (mags * rng.choice([-1, 1], count)).astype(np.float32)
    if fmt.name[0] == "q":  # exact half steps: round to nearest even must decide them
        n = int(fmt.name.split(".")[1])
        values[:200] = ((np.arange(200) - 100) + 0.5) / 2.0**n
    return values


@pytest.mark.parametrize("name", FORMATS)
def test_every_pattern_decodes_as_the_reference_and_encodes_back(name):
    fmt = flipguard.Format(name)
    patterns = all_patterns(fmt) if fmt.bits <= 16 else np.random.default_rng(1).integers(
        0, 1 << 32, 200000, dtype=np.uint64).astype(np.uint32)
    scale = 0.0123 if name.startswith("int8") else 1.0
    values = fmt.decode(patterns, scale=scale)
    assert values.dtype == np.float32 and values.shape == patterns.shape
    want = reference_decode(name, patterns, scale)
    np.testing.assert_array_equal(values.view(np.uint32)[~np.isnan(want)], want.view(np.uint32)[~np.isnan(want)])
    assert np.array_equal(np.isnan(values), np.isnan(want))
    # Round trip: every pattern that is a value (not NaN; int8's -128 is never written) encodes back.
    keep = ~np.isnan(values)
    if name.startswith("int8"):
        keep &= patterns != 0x80
    back = fmt.encode(values[keep], scale=scale)
    assert back.dtype == DTYPES[fmt.bits]
    np.testing.assert_array_equal(back, patterns[keep])


@pytest.mark.parametrize("name", FORMATS)
def test_encode_rounds_as_the_reference(name):
    fmt = flipguard.Format(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    scale = 0.0123 if name.startswith("int8") else 1.0
    x = random_values(fmt, rng) * (np.float32(scale) if name.startswith("int8") else 1)
    np.testing.assert_array_equal(fmt.encode(x, scale=scale), reference_encode(name, x, scale))


def test_shapes_and_strides_are_kept():
    fmt = flipguard.Format("q2.5")
    x = np.linspace(-3, 3, 24, dtype=np.float64).reshape(2, 3, 4)[:, ::2, :]  # float64, not contiguous
    p = fmt.encode(x)
    assert p.shape == (2, 2, 4)
    np.testing.assert_array_equal(p, reference_encode("q2.5", np.ascontiguousarray(x, dtype=np.float32)))
    np.testing.assert_array_equal(fmt.decode(p), reference_decode("q2.5", p))


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="q9"):
        flipguard.Format("q9.9")
    with pytest.raises(ValueError, match="does not fit the 8 bits of q2.5"):
        flipguard.Format("q2.5").decode(np.array([256]))
    with pytest.raises(ValueError, match="NaN"):
        flipguard.Format("q2.5").encode(np.array([0.5, np.nan], dtype=np.float32))
    with pytest.raises(ValueError, match="int8 formats only"):
        flipguard.Format("fp16").encode(np.ones(3), scale=2.0)
    with pytest.raises(TypeError, match="integer array"):
        flipguard.Format("fp16").decode(np.ones(3))


# --- Against the C++ command line --------------------------------------------------------------------------

def inspect(cli, name, value, max_abs=None):
    args = [cli, "inspect-format", "--format", name, "--value", repr(value), "--no-scale"]
    if max_abs is not None:
        args += ["--max-abs", repr(max_abs)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    stored = re.search(r"stored bits:\s+([01|]+)\s+reads (\S+)", out)
    flips = [(int(m.group(1)), m.group(2), m.group(3)) for m in
             re.finditer(r"^(\d+)\s+(\w+)(?:\[\d+\])?(?: msb)?\s+(\S+)\s+\S+\s*$", out, re.M)]
    scale = re.search(r"int8 scale = max\|W\|/127 = (\S+)", out)
    return int(stored.group(1).replace("|", ""), 2), stored.group(2), flips, scale


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("value", [0.3, -1.7, 0.01])
def test_patterns_and_flips_equal_inspect_format(cli, name, value):
    fmt = flipguard.Format(name)
    max_abs = 2.0 if name.startswith("int8") else None
    pattern, reads, flips, scale_text = inspect(cli, name, value, max_abs)
    scale = np.float32(np.float32(2.0) / np.float32(127)) if max_abs else 1.0
    if max_abs:
        assert float(scale_text.group(1)) == pytest.approx(float(scale), rel=1e-6)
    assert int(fmt.encode(np.array([value], dtype=np.float32), scale=scale)[0]) == pattern
    clean = fmt.decode(np.array([pattern]), scale=scale)[0]
    assert float(reads) == pytest.approx(float(clean), rel=1e-6, abs=1e-12)
    assert len(flips) == fmt.bits
    for bit, role, read in flips:
        assert fmt.role_of(bit) == role
        flipped = fmt.decode(np.array([pattern ^ (1 << bit)]), scale=scale)[0]
        if read in ("nan", "-nan"):
            assert np.isnan(flipped)
        else:
            assert float(read) == pytest.approx(float(flipped), rel=1e-6, abs=1e-12), (bit, role)


def test_version_is_the_projects(source_dir):
    assert f"project(flipguard VERSION {flipguard.__version__}" in (source_dir / "CMakeLists.txt").read_text()


def test_format_properties():
    q = flipguard.Format("Q2.5")
    assert q == flipguard.Format("q2.5") and q.name == "q2.5" and q.bits == 8
    assert q.max_abs == 3.96875 and q.critical_bit == 7
    assert q.layout == [("sign", 7, 7), ("integer", 5, 6), ("fraction", 0, 4)]
    assert flipguard.Format("fp16").critical_bit == 14


# --- Protections -------------------------------------------------------------------------------------------

def weights(shape=(8, 3, 3, 3), seed=3):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.2).astype(np.float32)


def test_no_protection_reads_what_the_format_stores():
    w = weights()
    t = flipguard.ProtectedTensor(w, "q2.5")
    assert t.shape == w.shape and t.data_bits == w.size * 8 and t.check_bits == 0
    np.testing.assert_array_equal(t.patterns(), flipguard.Format("q2.5").encode(w))
    np.testing.assert_array_equal(t.read(), flipguard.Format("q2.5").decode(t.patterns()))


def test_scaling_stores_w_times_c_and_divides_on_read():
    w = weights()
    t = flipguard.ProtectedTensor(w, "q2.5", "scale")
    c = np.float32(t.scale_factors[0])
    assert c == pytest.approx(3.96875 / np.abs(w).max(), rel=1e-6)
    stored = flipguard.Format("q2.5").encode(w * c)
    np.testing.assert_array_equal(t.patterns(), stored)
    np.testing.assert_array_equal(t.read(), flipguard.Format("q2.5").decode(stored) / c)


def test_flips_read_back_through_the_format():
    w = weights()
    t = flipguard.ProtectedTensor(w, "fp16")
    clean = t.read()
    t.flip_elements([5], [14])  # fp16's top exponent bit
    got = t.read()
    assert t.changed_bits() == 1
    want = flipguard.Format("fp16").decode(np.array([int(flipguard.Format("fp16").encode(w.ravel()[5:6])[0]) ^ (1 << 14)]))
    assert got.ravel()[5] == want[0] and abs(got.ravel()[5]) > 1000
    np.testing.assert_array_equal(np.delete(got.ravel(), 5), np.delete(clean.ravel(), 5))
    t.flip([5 * 16 + 14])  # the same bit by global index: flipped back
    np.testing.assert_array_equal(t.read(), clean)


def test_secded_corrects_one_flip_and_zeroes_a_double_error():
    w = weights()
    t = flipguard.ProtectedTensor(w, "q2.5", "ecc72")
    assert t.check_bits == t.data_bits // 64 * 8 and t.memory_overhead == pytest.approx(0.125)
    clean = t.read()
    t.flip([3])
    np.testing.assert_array_equal(t.read(), clean)
    assert t.ecc["corrected_data"] == 1 and t.ecc["detected"] == 0
    t.flip([9])  # the same 64-bit word: detected, its 8 weights read 0
    got = t.read()
    assert t.ecc["detected"] == 1
    np.testing.assert_array_equal(got.ravel()[:8], np.zeros(8, np.float32))
    np.testing.assert_array_equal(got.ravel()[8:], clean.ravel()[8:])
    t.reset()
    assert t.changed_bits() == 0
    np.testing.assert_array_equal(t.read(), clean)


def test_inject_is_keyed_and_counts_what_changed():
    w = weights((64, 64))
    t = flipguard.ProtectedTensor(w, "q2.5", "ecc72", name="fc.weight")
    first = t.inject("ber:1e-2", seed=4, trial=2)
    assert first["data"] > 0 and first["check"] > 0
    assert t.changed_bits() == first["data"] + first["check"]
    read1 = t.read()
    t.reset()
    assert t.inject("ber:1e-2", seed=4, trial=2) == first
    np.testing.assert_array_equal(t.read(), read1)
    t.reset()
    assert t.inject("ber:1e-2", seed=4, trial=3) != first
    # The data bits' faults do not depend on the protection (common random numbers across protections).
    plain = flipguard.ProtectedTensor(w, "q2.5", name="fc.weight")
    assert plain.inject("ber:1e-2", seed=4, trial=2)["data"] == first["data"]
    with pytest.raises(ValueError, match="ber"):
        t.inject("ber:2")


def test_protection_errors_are_clear():
    with pytest.raises(ValueError, match="bogus"):
        flipguard.ProtectedTensor(weights(), "q2.5", "scale+bogus")
    with pytest.raises(IndexError, match="outside"):
        flipguard.ProtectedTensor(weights(), "q2.5").flip([10**9])
    with pytest.raises(ValueError, match="channels"):
        flipguard.ProtectedTensor(weights((10,)), "int8-channel", channels=3)
