#include "stats/sample_size.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flipguard::stats {

double betting_trials_needed(double mean, double sd, double target_half_width, double alpha,
                             double truncation) {
  const double w = target_half_width, c = truncation, var = sd * sd;
  if (!(w > 0) || !(sd >= 0) || !(mean >= 0 && mean <= 1)) return std::numeric_limits<double>::infinity();
  const double free_bet = var > 0 ? var / w : 0;  // 1 / (w / sd^2): the untruncated bet's inverse
  // Inverse bets (0: unbounded) on each side, truncated at the candidate means mean -+ w.
  const double inv_lo = std::max(free_bet, std::max(mean - w, 0.0) / c);
  const double inv_up = std::max(free_bet, std::max(1 - mean - w, 0.0) / c);
  const double spread = var > 0 ? var * (1 / inv_lo + 1 / inv_up) / 4 : 0;
  const double room = w - spread;
  if (!(room > 0)) return std::numeric_limits<double>::infinity();
  return std::log(2 / alpha) * (inv_lo + inv_up) / (2 * room);
}

}  // namespace flipguard::stats
