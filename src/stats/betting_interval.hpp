// Betting intervals over a whole sample: the confidence sequence run over the values in order, and the
// fixed-n betting interval (the same construction with bets tuned to the known sample size n; valid at n
// for any distribution on [0, 1], no normality needed).
#pragma once

#include <cstdint>
#include <span>

#include "stats/betting_confidence_sequence.hpp"

namespace flipguard::stats {

// The confidence sequence over `values` (each in [0, 1]) in order, looking after every `look_every`-th value
// and after the last: its running intersection at the end. [0, 1] for no values.
Interval betting_interval(std::span<const double> values, const BettingOptions& options,
                          std::int64_t look_every = 1);

// Fixed-n betting interval: bets tuned to n = values.size(), intersected over the times looked at (every
// value up to 512 values; beyond that about 512 evenly spaced times, which changes little since the early
// sets are wide, and keeps the cost at O(512 n)).
// bold_weight > 0 mixes each side's capital with the bold bet (BettingOptions::bold_weight).
Interval fixed_n_betting_interval(std::span<const double> values, double alpha = 0.05,
                                  double truncation = BettingOptions{}.truncation, double bold_weight = 0);

}  // namespace flipguard::stats
