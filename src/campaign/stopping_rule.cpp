#include "campaign/stopping_rule.hpp"

#include <limits>

#include "campaign/statistics.hpp"

namespace flipguard::campaign {

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::target_reached:
      return "target reached";
    case StopReason::max_reached:
      return "max reached";
    case StopReason::below_floor:
      return "below floor";
    case StopReason::none:
      break;
  }
  return "";
}

StopDecision decide(std::span<const double> top1_percent, const StoppingRule& rule,
                    std::int64_t early_stopped) {
  StopDecision d;
  const auto n = static_cast<std::int64_t>(top1_percent.size());
  d.ci95 = n >= 2 ? estimate_mean(top1_percent).ci95 : std::numeric_limits<double>::infinity();
  if (n >= rule.min_trials && early_stopped == n)
    d.reason = StopReason::below_floor;
  else if (n >= rule.min_trials && d.ci95 <= rule.ci_target)
    d.reason = StopReason::target_reached;
  else if (n >= rule.max_trials)
    d.reason = StopReason::max_reached;
  return d;
}

}  // namespace flipguard::campaign
