#include "stats/quantile_interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace flipguard::stats {

double binomial_cdf(std::int64_t k, std::int64_t n, double p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const double log_p = std::log(p), log_q = std::log1p(-p);
  const double nd = static_cast<double>(n);
  double sum = 0;
  for (std::int64_t i = 0; i <= k; ++i) {
    const double id = static_cast<double>(i);
    sum += std::exp(std::lgamma(nd + 1) - std::lgamma(id + 1) - std::lgamma(nd - id + 1) + id * log_p +
                    (nd - id) * log_q);
  }
  return std::min(sum, 1.0);
}

QuantileInterval quantile_interval(std::vector<double> values, double q, double alpha) {
  if (values.empty()) throw std::invalid_argument("quantile interval: no values");
  if (!(q > 0 && q < 1)) throw std::invalid_argument("quantile interval: q must be in (0, 1)");
  if (!(alpha > 0 && alpha < 1)) throw std::invalid_argument("quantile interval: alpha must be in (0, 1)");
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }))
    throw std::invalid_argument("quantile interval: a value is NaN");
  std::sort(values.begin(), values.end());
  const auto n = static_cast<std::int64_t>(values.size());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  QuantileInterval out;
  out.estimate = values[static_cast<std::size_t>(
      std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(q * static_cast<double>(n))), 1, n) - 1)];
  // Lower: the largest l with P(Bin(n, q) <= l - 1) <= alpha / 2 (then x_(l) <= the quantile with at least
  // 1 - alpha / 2).
  std::int64_t l = 0;
  while (l + 1 <= n && binomial_cdf(l, n, q) <= alpha / 2) ++l;
  // Upper: the smallest u with P(Bin(n, q) >= u) <= alpha / 2, i.e. P(Bin <= u - 1) >= 1 - alpha / 2.
  std::int64_t u = l > 0 ? l : 1;
  while (u <= n && binomial_cdf(u - 1, n, q) < 1 - alpha / 2) ++u;
  out.lo_rank = l;
  out.hi_rank = u;
  out.lo = l >= 1 ? values[static_cast<std::size_t>(l - 1)] : -kInf;
  out.hi = u <= n ? values[static_cast<std::size_t>(u - 1)] : kInf;
  return out;
}

}  // namespace flipguard::stats
