// Every metric of the project, in one list: the built-in entries (metric_registry.cpp, one per metric)
// followed by any registered at run time (an extension, or a test's own metric). What lists metrics (the
// setting `metric` and its help, error messages, the report's plots, the Python module) reads this list.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric.hpp"

namespace flipguard::metrics {

// Built-in metrics first, in table order, then registered ones in the order registered.
const std::vector<Metric>& all_metrics();
// The metrics adaptive cells may stop on (stoppable), in the same order.
std::vector<Metric> stoppable_metrics();
std::optional<Metric> find_metric(std::string_view id);

// Ids joined: "top1, sdc1" (separator ", "), "top1|sdc1".
std::string join_ids(const std::vector<Metric>& metrics, std::string_view separator);

// Adds a metric for the rest of the process (the descriptor is copied; its strings must outlive it) and
// returns its handle. std::invalid_argument on an empty or taken id, or an entry that cannot be read: a
// share without count or denominator, an unbounded metric without amount, a stoppable one that is not a
// share. Registration is not synchronised with readers: register before running campaigns.
Metric register_metric(const MetricInfo& info);

// A metric registered for a scope (a test): registered on construction, removed on destruction. Handles
// to it must not outlive the registration.
class MetricRegistration {
 public:
  explicit MetricRegistration(const MetricInfo& info) : metric_(register_metric(info)) {}
  ~MetricRegistration();
  MetricRegistration(const MetricRegistration&) = delete;
  MetricRegistration& operator=(const MetricRegistration&) = delete;
  Metric metric() const { return metric_; }

 private:
  Metric metric_;
};

}  // namespace flipguard::metrics
