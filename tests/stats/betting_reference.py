#!/usr/bin/env python3
"""Independent reference for tests/stats/test_betting_confidence_sequence.cpp: the hedged betting capital of
Waudby-Smith & Ramdas written out directly from the paper's formulas (no code shared with the C++), and the
endpoints of {m : K+_t(m) < 2/alpha and K-_t(m) < 2/alpha} found WITHOUT assuming monotonicity: a scan of
a 200,001-point grid of m for every sign change of each log-capital minus log(2/alpha), each refined by
60 bisection steps, the set's hull taken from the outermost crossings. Prints the pinned values.

The mixture cases (w > 0) add the bold gambler, who stakes a / m (plus) or a / (1 - m) (minus), with prior
weight w: K = (1 - w) K_plug + w K_bold on each side.

    /usr/bin/python3 tests/stats/betting_reference.py
"""
import math

GRID = 200000


def bets(x, alpha, horizon=0, target=0.0):
    """Predictable plug-in bets: b_t from observations before t (mu/s2 with the paper's prior terms)."""
    out, total, squares, s2 = [], 0.0, 0.0, 0.25
    L = math.log(2 / alpha)
    for t, xt in enumerate(x, start=1):
        if target > 0:
            planned = 2 * L * s2 / target ** 2
            if horizon > 0:
                planned = min(planned, horizon)
            planned = max(planned, 1.0)
        elif horizon > 0:
            planned = horizon
        else:
            planned = t * math.log(1 + t)
        out.append(math.sqrt(2 * L / (s2 * planned)))
        total += xt
        mu = (0.5 + total) / (t + 1)
        squares += (xt - mu) ** 2
        s2 = (0.25 + squares) / (t + 1)
    return out


def log_k(x, b, c, m, plus):
    s = 0.0
    for xi, bi in zip(x, b):
        if plus:
            lam = bi if m == 0 else min(bi, c / m)
            s += math.log(1 + lam * (xi - m))
        else:
            lam = bi if m == 1 else min(bi, c / (1 - m))
            s += math.log(1 - lam * (xi - m))
    return s


def log_bold(x, a, m, plus):
    s = 0.0
    for xi in x:
        gain = xi if plus else 1 - xi
        r = m if plus else 1 - m
        if gain == 0:
            s += math.log(1 - a)
        elif r == 0:
            return math.inf
        else:
            s += math.log(1 - a + a * gain / r)
    return s


def log_mix(x, b, c, m, plus, w, a):
    plug = log_k(x, b, c, m, plus)
    if w == 0:
        return plug
    bold = log_bold(x, a, m, plus)
    if bold == math.inf:
        return math.inf
    top = max(plug, bold)
    return top + math.log((1 - w) * math.exp(plug - top) + w * math.exp(bold - top))


def crossings(f):
    """All m where f changes sign on the grid, each refined by bisection."""
    roots, prev_m, prev = [], 0.0, f(0.0)
    for k in range(1, GRID + 1):
        m = k / GRID
        v = f(m)
        if (v < 0) != (prev < 0):
            a, b, fa = prev_m, m, prev
            for _ in range(60):
                mid = (a + b) / 2
                fm = f(mid)
                if (fm < 0) == (fa < 0):
                    a, fa = mid, fm
                else:
                    b = mid
            roots.append((a + b) / 2)
        prev_m, prev = m, v
    return roots


def current_set(x, alpha, c, horizon=0, target=0.0, w=0.0, a=0.99):
    b = bets(x, alpha, horizon, target)
    thr = math.log(2 / alpha)
    lo_roots = crossings(lambda m: log_mix(x, b, c, m, True, w, a) - thr)
    hi_roots = crossings(lambda m: log_mix(x, b, c, m, False, w, a) - thr)
    lo = min(lo_roots) if lo_roots else 0.0  # no crossing: m = 0 is already inside
    hi = max(hi_roots) if hi_roots else 1.0
    return lo, hi, len(lo_roots), len(hi_roots)


def lcg(seed, n):
    """Deterministic test data in [0, 1], written out in the C++ test as literals."""
    out, s = [], seed
    for _ in range(n):
        s = (6364136223846793005 * s + 1442695040888963407) % 2 ** 64
        out.append(round((s >> 11) / 2 ** 53, 6))
    return out


CASES = {
    "skewed": ([0.81, 0.79, 0.05, 0.83, 0.80, 0.78, 0.82, 0.80, 0.02, 0.79, 0.81, 0.80], {}),
    "calm_target": ([0.80, 0.82, 0.79, 0.81, 0.80, 0.78, 0.83, 0.80, 0.81, 0.79, 0.80, 0.82, 0.80, 0.81,
                     0.79, 0.80], {"horizon": 100, "target": 0.02}),
    "zeros_fixed_n": ([0.0] * 30, {"horizon": 30}),
    "uniform40": (lcg(7, 40), {}),
    "calm_c09": ([0.80, 0.82, 0.79, 0.81, 0.80, 0.78, 0.83, 0.80, 0.81, 0.79, 0.80, 0.82, 0.80, 0.81,
                  0.79, 0.80] * 4, {"horizon": 100, "target": 0.02, "c": 0.9}),
    # Mixtures with the bold bet (w = 0.25, a = 0.99, c = 0.9: the betting-mix method). Ten trials near 0.90
    # (the first run's cell whose plug-in upper end is 1), a skewed sequence with target bets, zeros and
    # ones (the bold factors' limits at the bounds), and uniform data with anytime bets.
    "tight10_mix": ([0.895, 0.9, 0.885, 0.905, 0.9, 0.89, 0.9, 0.905, 0.895, 0.9],
                    {"horizon": 10, "c": 0.9, "w": 0.25}),
    "skewed_mix": ([0.81, 0.79, 0.05, 0.83, 0.80, 0.78, 0.82, 0.80, 0.02, 0.79, 0.81, 0.80],
                   {"horizon": 100, "target": 0.02, "c": 0.9, "w": 0.25}),
    "bounds_mix": ([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0], {"horizon": 12, "c": 0.9, "w": 0.25}),
    "uniform40_mix": (lcg(7, 40), {"c": 0.9, "w": 0.25}),
}

if __name__ == "__main__":
    alpha = 0.05
    for name, (x, kw) in CASES.items():
        c = kw.get("c", 0.5)
        w = kw.get("w", 0.0)
        lo, hi, nl, nh = current_set(x, alpha, c, kw.get("horizon", 0), kw.get("target", 0.0), w)
        print(f"{name}: n={len(x)} lo={lo:.15f} hi={hi:.15f} (crossings {nl}, {nh})")
        if name == "uniform40":
            print("  data:", ", ".join(f"{v:.6f}" for v in x))
        b = bets(x, alpha, kw.get("horizon", 0), kw.get("target", 0.0))
        for m in (0.3, 0.7):
            print(f"  log K+({m}) = {log_mix(x, b, c, m, True, w, 0.99):.15f}"
                  f"  log K-({m}) = {log_mix(x, b, c, m, False, w, 0.99):.15f}")
