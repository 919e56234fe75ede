// Small statistics kit for the sampler tests: chi-square p-values and binomial probabilities, computed from
// first principles so the expected values never come from the code under test.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace flipguard::faults::test {

// Regularised upper incomplete gamma Q(a, x) (series below a+1, Lentz continued fraction above).
inline double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000 && std::fabs(term) > std::fabs(sum) * 1e-15; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-15) break;
  }
  return std::exp(log_prefix) * h;
}

// P(X^2 >= stat) for a chi-square with `dof` degrees of freedom.
inline double chi_square_p_value(double stat, double dof) {
  return gamma_q(dof / 2.0, stat / 2.0);
}

// Pearson chi-square p-value of observed counts against expected counts (same length, expected > 0).
inline double chi_square_test(const std::vector<double>& observed, const std::vector<double>& expected,
                              int fitted_parameters = 0) {
  if (observed.size() != expected.size() || observed.size() < 2)
    throw std::invalid_argument("chi_square_test");
  double stat = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double d = observed[i] - expected[i];
    stat += d * d / expected[i];
  }
  return chi_square_p_value(stat, static_cast<double>(observed.size()) - 1.0 - fitted_parameters);
}

// Uniformity of counts over equal-probability buckets.
inline double chi_square_uniform(const std::vector<double>& observed) {
  double total = 0.0;
  for (const double o : observed) total += o;
  return chi_square_test(observed, std::vector<double>(observed.size(), total / observed.size()));
}

inline double binomial_pmf(std::uint64_t n, double p, std::uint64_t k) {
  const double log_choose = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
  return std::exp(log_choose + k * std::log(p) + (n - k) * std::log1p(-p));
}

// Chi-square p-value of per-trial counts against Binomial(n, p): bins with expected count >= 5, tails pooled.
inline double binomial_goodness_of_fit(const std::vector<std::uint64_t>& counts, std::uint64_t n, double p) {
  const double trials = static_cast<double>(counts.size());
  std::vector<double> observed, expected;
  // Walk k upwards, closing a bin as soon as its expected count reaches 5; the rest goes to the last bin.
  std::vector<double> obs_at(n + 1, 0.0);
  for (const auto c : counts) obs_at[c] += 1.0;
  double o = 0.0, e = 0.0, cumulative = 0.0;
  for (std::uint64_t k = 0; k <= n; ++k) {
    const double pk = binomial_pmf(n, p, k);
    o += obs_at[k];
    e += trials * pk;
    cumulative += pk;
    if (e >= 5.0 && trials * (1.0 - cumulative) >= 5.0) {
      observed.push_back(o);
      expected.push_back(e);
      o = e = 0.0;
    }
  }
  observed.push_back(o);
  expected.push_back(e);
  return chi_square_test(observed, expected);
}

struct MeanVar {
  double mean = 0.0;
  double var = 0.0;  // unbiased sample variance
};

inline MeanVar mean_var(const std::vector<double>& xs) {
  MeanVar mv;
  for (const double x : xs) mv.mean += x;
  mv.mean /= static_cast<double>(xs.size());
  for (const double x : xs) mv.var += (x - mv.mean) * (x - mv.mean);
  mv.var /= static_cast<double>(xs.size() - 1);
  return mv;
}

// Significance level of every statistical test here: seeds are fixed, so each verdict is deterministic, and a
// correct sampler passes any given test with probability 1 - kAlpha over the choice of seed.
inline constexpr double kAlpha = 1e-4;
// Tolerance, in standard errors, for mean and variance checks (two-sided tail ~ 6e-7 under a normal law).
inline constexpr double kSigmas = 5.0;

}  // namespace flipguard::faults::test
