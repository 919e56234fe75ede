#include "campaign/planning/stopping_rule.hpp"

#include <algorithm>
#include <stdexcept>

#include "metrics/metric_registry.hpp"

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

std::string to_string(Metric metric) {
  return std::string(metric.id());
}

Metric parse_metric(const std::string& text) {
  if (const auto m = metrics::find_metric(text); m && (*m)->stoppable) return *m;
  throw std::invalid_argument("metric '" + text + "' is not one of " +
                              metrics::join_ids(metrics::stoppable_metrics(), ", "));
}

Metric label_free_metric() {
  for (const Metric m : metrics::stoppable_metrics())
    if (!m->needs_labels) return m;
  throw std::logic_error("label_free_metric: no stoppable metric needs no labels");
}

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
