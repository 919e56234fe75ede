#include "campaign/planning/stop_decision.hpp"

#include <algorithm>

namespace flipguard::campaign {

TrialIntervalMonitor interval_monitor(const StoppingRule& rule) {
  const stats::BettingOptions options{.horizon = std::max(rule.max_trials, 1),
                                      .target_half_width = rule.ci_target / 100,
                                      .bold_weight = stats::bold_weight(rule.interval)};
  return TrialIntervalMonitor(rule.interval, options, rule.wave);
}

StopDecision decide(const TrialIntervalMonitor& monitor, const StoppingRule& rule,
                    std::int64_t early_stopped) {
  StopDecision d;
  const std::int64_t n = monitor.size();
  d.interval = monitor.interval();
  d.half_width = d.interval.half_width();
  // Zero spread is evidence for betting (its interval still needs many equal trials to narrow), but it
  // makes the t interval vanish: t never stops on it.
  const bool evidence = stats::is_betting(monitor.method()) || monitor.varies();
  if (n >= rule.min_trials && early_stopped == n)
    d.reason = StopReason::below_floor;
  else if (n >= rule.min_trials && evidence && d.half_width <= rule.ci_target)
    d.reason = StopReason::target_reached;
  else if (n >= rule.max_trials)
    d.reason = StopReason::max_reached;
  return d;
}

StopDecision decide(std::span<const double> top1_percent, const StoppingRule& rule,
                    std::int64_t early_stopped) {
  TrialIntervalMonitor monitor = interval_monitor(rule);
  for (double v : top1_percent) monitor.add(v);
  return decide(monitor, rule, early_stopped);
}

}  // namespace flipguard::campaign
