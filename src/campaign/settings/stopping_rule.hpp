// The stopping rule as a setting: what an adaptive cell's interval is about and the target, bounds and wave
// it stops on (the decision itself is planning/stop_decision.hpp). Records carry it, so reading them needs
// no more than this.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace flipguard::campaign
