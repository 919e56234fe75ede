#include "stats/student_t.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stats/incomplete_beta.hpp"

namespace flipguard::stats {

namespace {

// Bisection on a monotone function over [lo, hi] until the interval is relatively tight: robust for any
// df, where Newton steps can overshoot in the heavy tails of df = 1.
template <class F>
double bisect(F increasing, double target, double lo, double hi) {
  for (int i = 0; i < 4000 && hi - lo > 1e-15 * std::max(std::fabs(hi), std::fabs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (increasing(mid) < target)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1))
    throw std::invalid_argument("t quantile: probability must be in (0, 1), got " + std::to_string(p));
  if (!(df > 0))
    throw std::invalid_argument("t quantile: degrees of freedom must be > 0, got " + std::to_string(df));
  if (p == 0.5) return 0;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  const double tail = 2 * (1 - p);  // two-sided tail mass beyond |t|
  if (df > 1e7) {
    // The incomplete beta's continued fraction gets slow; t and normal differ by < 1e-7 relative here.
    return bisect([](double v) { return -std::erfc(v / std::sqrt(2.0)); }, -tail, 0.0, 40.0);
  }
  // P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2), increasing in x: solve for x, then t.
  const double x =
      bisect([df](double v) { return regularized_incomplete_beta(df / 2, 0.5, v); }, tail, 0.0, 1.0);
  return std::sqrt(df * (1 - x) / x);
}

Interval student_t_interval(std::span<const double> values, double alpha) {
  if (values.size() < 2) throw std::invalid_argument("t interval: needs at least two values");
  const auto n = static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / n;
  double ss = 0;  // two-pass: numerically stable for values that barely vary
  for (double v : values) ss += (v - mean) * (v - mean);
  const double half = student_t_quantile(1 - alpha / 2, n - 1) * std::sqrt(ss / (n - 1)) / std::sqrt(n);
  return {mean - half, mean + half};
}

}  // namespace flipguard::stats
