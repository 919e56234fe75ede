// When a cell has enough trials: adaptive campaigns run a cell's trials in waves of a fixed size and, after
// each complete wave, look at trials 0..n-1 (in trial order) only. The decision is therefore a function of
// the seed and the settings, never of timing or of how many processes ran the trials.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "campaign/planning/trial_interval.hpp"
#include "metrics/metric.hpp"
#include "stats/interval.hpp"

namespace flipguard::campaign {

// What an adaptive cell's interval is about: a stoppable metric of the registry
// (metrics/metric_registry.hpp), Top-1 accuracy (needs labels) or SDC-1, the share of images whose Top-1
// differs from the fault-free model's (needs none).
using Metric = metrics::Metric;
std::string to_string(Metric metric);  // its id: "top1", "sdc1"
// A stoppable metric by id; std::invalid_argument naming the valid values otherwise.
Metric parse_metric(const std::string& text);
// What adaptive cells on data without labels stop on: the first stoppable metric that needs none (SDC-1).
Metric label_free_metric();

struct StoppingRule {
  double ci_target = 0;  // half-width of the 95% interval of `metric`, in points; 0: fixed trial counts
  int min_trials = 4, max_trials = 100, wave = 4;
  // How the interval over trials is computed (also for fixed trial counts): the betting confidence
  // sequence (valid under adaptive stopping) or Student t (approximate). Records written before the
  // setting existed read as t, the method they were stopped with.
  stats::IntervalMethod interval = stats::IntervalMethod::betting_mix;
  Metric metric = Metric::top1;  // records without it (older files) read as top1
  bool adaptive() const { return ci_target > 0; }
  bool operator==(const StoppingRule&) const = default;
};

enum class StopReason { none, target_reached, max_reached, below_floor };
std::string to_string(StopReason reason);  // "", "target reached", "max reached", "below floor"

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
