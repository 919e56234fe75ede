// When a cell has enough trials: adaptive campaigns run a cell's trials in waves of a fixed size and, after
// each complete wave, look at trials 0..n-1 (in trial order) only. The decision is therefore a function of
// the seed and the settings, never of timing or of how many processes ran the trials.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace flipguard::campaign {

struct StoppingRule {
  double ci_target = 0;  // half-width of the 95% CI of Top-1, in points; 0: fixed trial counts
  int min_trials = 4, max_trials = 100, wave = 4;
  bool adaptive() const { return ci_target > 0; }
  bool operator==(const StoppingRule&) const = default;
};

enum class StopReason { none, target_reached, max_reached, below_floor };
std::string to_string(StopReason reason);  // "", "target reached", "max reached", "below floor"

struct StopDecision {
  StopReason reason = StopReason::none;
  double ci95 = 0;  // of the n trials looked at (infinite below two trials)
};

// The decision after n = top1_percent.size() trials, `early_stopped` of which stopped below the campaign's
// floor. After min_trials, a cell whose trials all stopped below the floor is done: its accuracy is known
// to be below the floor, and the few images each such trial saw would otherwise need many trials to meet
// the CI target. The target wins over the maximum when both apply.
StopDecision decide(std::span<const double> top1_percent, const StoppingRule& rule,
                    std::int64_t early_stopped = 0);

}  // namespace flipguard::campaign
