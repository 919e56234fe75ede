#!/usr/bin/env python3
"""Independent reference for tests/stats/test_quantiles_reference.cpp: Student t quantiles and Clopper-Pearson
bounds to 40 digits with mpmath (no code shared with Boost.Math or the C++), for the exact double inputs (0.975
is the double nearest 0.975). Each is the root of a monotone function, bracketed and found by 140 bisections:
for t, mpmath's regularized incomplete beta function; for Clopper-Pearson, the binomial tail summed term by term
(mpmath's incomplete beta fails to converge for parameters in the thousands). Prints the pinned table.

    /usr/bin/python3 tests/stats/quantiles_reference.py
"""
import mpmath

mpmath.mp.dps = 40

T_PROBABILITIES = [0.55, 0.9, 0.975, 0.995, 0.9995]
T_DEGREES = [0.5, 1, 2, 3, 4, 5, 7, 10, 15, 24, 30, 63, 100, 299, 1000, 1e4, 1e5, 1e6, 1e7, 1e8]
SEEN = [1, 2, 3, 5, 10, 16, 50, 64, 100, 300, 500, 1000, 1300, 5000, 10000, 50000]


def root(increasing, lo, hi):
    """The x in [lo, hi] where an increasing function crosses 0."""
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    for _ in range(140):
        mid = (lo + hi) / 2
        if increasing(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def t_quantile(p, df):
    """P(|T| > t) = I_x(df/2, 1/2), x = df / (df + t^2); solved for t > 0 (p > 1/2)."""
    p, df = mpmath.mpf(p), mpmath.mpf(df)
    tail = 2 * (1 - p)
    f = lambda t: tail - mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True)
    hi = mpmath.mpf(1)
    while f(hi) < 0:
        hi *= 2
    return root(f, hi / 2 if hi > 1 else 0, hi)


def binomial_at_least(m, a, x):
    """P(X >= a) for X ~ Binomial(m, x): the terms summed outwards from the mode (or from a, above it), where
    they only shrink, until they fall below 1e-50 of the sum."""
    start = min(max(int(mpmath.floor((m + 1) * x)), a), m)
    first = mpmath.exp(mpmath.loggamma(m + 1) - mpmath.loggamma(start + 1) - mpmath.loggamma(m - start + 1) +
                       start * mpmath.log(x) + (m - start) * mpmath.log1p(-x))
    total, odds, tiny = first, x / (1 - x), mpmath.mpf(10) ** -50
    term, j = first, start
    while j < m:
        term *= (m - j) / mpmath.mpf(j + 1) * odds
        j += 1
        total += term
        if term < tiny * total:
            break
    term, j = first, start
    while j > a:
        term *= j / mpmath.mpf(m - j + 1) / odds
        j -= 1
        total += term
        if term < tiny * total:
            break
    return total


def beta_quantile(a, b, target):
    """The x in (0, 1) with I_x(a, b) = target, for integers a, b >= 1: I_x(a, b) = P(Binomial(a+b-1, x) >= a)."""
    target = mpmath.mpf(target)
    return root(lambda x: binomial_at_least(a + b - 1, a, x) - target, 0, 1)


def counts(n):
    return sorted({0, 1, n // 4, n // 2, (3 * n) // 4, n - 1, n} & set(range(n + 1)))


def main():
    print("// Student t: {p, df, quantile}")
    for p in T_PROBABILITIES:
        for df in T_DEGREES:
            print(f"    {{{p!r}, {float(df)!r}, {mpmath.nstr(t_quantile(p, df), 20)}}},")
    print("// Clopper-Pearson: {correct, seen, upper at 0.999, two-sided 95% lo, hi}")
    for n in SEEN:
        for k in counts(n):
            upper = beta_quantile(k + 1, n - k, 0.999) if k < n else 1
            lo = beta_quantile(k, n - k + 1, 0.025) if k > 0 else 0
            hi = beta_quantile(k + 1, n - k, 0.975) if k < n else 1
            print(f"    {{{k}, {n}, {mpmath.nstr(upper, 20)}, {mpmath.nstr(lo, 20)}, {mpmath.nstr(hi, 20)}}},")


if __name__ == "__main__":
    main()
