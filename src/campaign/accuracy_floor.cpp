#include "campaign/accuracy_floor.hpp"

#include <stdexcept>
#include <string>

#include "campaign/statistics.hpp"

namespace flipguard::campaign {

double binomial_upper_bound(std::int64_t correct, std::int64_t seen, double confidence) {
  if (seen < 0 || correct < 0 || correct > seen)
    throw std::invalid_argument("binomial bound: need 0 <= correct <= seen, got " + std::to_string(correct) +
                                " of " + std::to_string(seen));
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument("binomial bound: confidence must be in (0, 1)");
  if (correct == seen) return 1;
  // P(X <= k | n, p) = 1 - I_p(k + 1, n - k), increasing in p through I: bisect I_p = confidence.
  const double a = static_cast<double>(correct) + 1, b = static_cast<double>(seen - correct);
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (regularized_incomplete_beta(a, b, mid) < confidence ? lo : hi) = mid;
  }
  return hi;
}

bool below_floor(std::int64_t correct, std::int64_t seen, double floor_percent, double confidence) {
  if (floor_percent <= 0 || seen == 0) return false;
  return 100 * binomial_upper_bound(correct, seen, confidence) < floor_percent;
}

}  // namespace flipguard::campaign
