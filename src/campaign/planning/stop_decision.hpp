// When a cell has enough trials: adaptive campaigns run a cell's trials in waves of a fixed size and, after
// each complete wave, look at trials 0..n-1 (in trial order) only. The decision is therefore a function of
// the seed and the settings, never of timing or of how many processes ran the trials.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "campaign/planning/trial_interval.hpp"
#include "campaign/settings/stopping_rule.hpp"
#include "stats/interval.hpp"

namespace flipguard::campaign {

struct StopDecision {
  StopReason reason = StopReason::none;
  stats::Interval interval{-INFINITY, INFINITY};  // percent, of the n trials looked at
  double half_width = INFINITY;                   // (hi - lo) / 2, points
};

// The decision after n = top1_percent.size() trials, `early_stopped` of which stopped below the campaign's
// floor. After min_trials, a cell whose trials all stopped below the floor is done: its accuracy is known
// to be below the floor, and the few images each such trial saw would otherwise need many trials to meet
// the CI target. The target is reached when the interval's half-width is at most ci_target; with Student
// t only if the trials differ at all (identical trials give a zero-width t interval, not evidence). The
// target wins over the maximum when both apply.
StopDecision decide(std::span<const double> top1_percent, const StoppingRule& rule,
                    std::int64_t early_stopped = 0);
// The same decision from a monitor made by interval_monitor(rule) and fed those trials in trial order (no
// recomputation: the form the work plan uses after each wave).
StopDecision decide(const TrialIntervalMonitor& monitor, const StoppingRule& rule,
                    std::int64_t early_stopped);

// The interval an adaptive cell is stopped on and reported with: for betting, the confidence sequence with
// bets tuned to reach ci_target within max_trials, intersected over the looks after each wave.
TrialIntervalMonitor interval_monitor(const StoppingRule& rule);

}  // namespace flipguard::campaign
