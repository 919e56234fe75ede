#include "stats/betting_interval.hpp"

#include <algorithm>

namespace flipguard::stats {

Interval betting_interval(std::span<const double> values, const BettingOptions& options,
                          std::int64_t look_every) {
  BettingConfidenceSequence cs(options);
  look_every = std::max<std::int64_t>(look_every, 1);
  for (double x : values) {
    cs.add(x);
    if (cs.size() % look_every == 0) cs.look();
  }
  return cs.peek();
}

Interval fixed_n_betting_interval(std::span<const double> values, double alpha, double truncation,
                                  double bold_weight) {
  const auto n = static_cast<std::int64_t>(values.size());
  const BettingOptions options{.alpha = alpha,
                               .truncation = truncation,
                               .horizon = std::max<std::int64_t>(n, 1),
                               .bold_weight = bold_weight};
  return betting_interval(values, options, std::max<std::int64_t>(1, n / 512));
}

}  // namespace flipguard::stats
