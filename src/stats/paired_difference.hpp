// Interval for the mean of paired differences d_i = a_i - b_i of two [0, 1] quantities measured on the same
// trials (e.g. Top-1 with scaling minus Top-1 without, same faults): d_i lies in [-1, 1], so
// y_i = (d_i + 1) / 2 lies in [0, 1], a betting interval [lo, hi] for E[y] gives [2 lo - 1, 2 hi - 1] for
// E[d], with the same guarantee.
#pragma once

#include <cstdint>
#include <span>

#include "stats/betting_confidence_sequence.hpp"

namespace flipguard::stats {

// `options` as for the differences themselves: a target half-width is halved for y internally; horizon 0
// with no target gives the anytime bets. Looks as betting_interval. Throws std::invalid_argument on a
// difference outside [-1, 1].
Interval paired_difference_interval(std::span<const double> differences, BettingOptions options,
                                    std::int64_t look_every = 1);

}  // namespace flipguard::stats
