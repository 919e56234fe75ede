#include "campaign/settings/stopping_rule.hpp"

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
    if (!m->needs_labels && m->task == metrics::MetricTask::classifier) return m;
  throw std::logic_error("label_free_metric: no stoppable metric needs no labels");
}

}  // namespace flipguard::campaign
