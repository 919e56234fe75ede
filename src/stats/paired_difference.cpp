#include "stats/paired_difference.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "stats/betting_interval.hpp"

namespace flipguard::stats {

Interval paired_difference_interval(std::span<const double> differences, BettingOptions options,
                                    std::int64_t look_every) {
  std::vector<double> y;
  y.reserve(differences.size());
  for (double d : differences) {
    if (!(d >= -1 && d <= 1))
      throw std::invalid_argument("paired difference " + std::to_string(d) + " is outside [-1, 1]");
    y.push_back((d + 1) / 2);
  }
  options.target_half_width /= 2;
  const Interval i = betting_interval(y, options, look_every);
  return {2 * i.lo - 1, 2 * i.hi - 1};
}

}  // namespace flipguard::stats
