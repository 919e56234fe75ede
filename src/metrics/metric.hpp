// One metric of a campaign, described once: its name, what it needs, how a trial's value is read, whether
// its values are shares in [0, 1] (then the betting intervals and adaptive stopping may use it) and how
// reports name it. Settings, stopping rules, summaries, reports and the Python module read these
// descriptors instead of listing metrics themselves; metric_registry.hpp holds them.
//
// What a descriptor cannot carry is the per-image computation: it runs in the scoring step every pass takes
// (metrics/batch_scoring.cpp: metrics::score and metrics::compare_logits per batch), whose sums become
// TrialCounts. A metric over a new per-image quantity also needs its count in
// TrialCounts and the trial record; a metric over counts already kept needs only its descriptor.
#pragma once

#include <cstdint>
#include <string_view>

#include "metrics/trial_counts.hpp"

namespace flipguard::metrics {

enum class MetricRange {
  // count / denominator of a trial, in [0, 1] (kept in percent): a cell's mean over trials gets the betting
  // intervals (valid at any n and under adaptive stopping), and the clean cell a binomial interval.
  share,
  // Any non-negative amount (a logit error): no valid betting interval; reported as its own aggregate
  // (largest or mean over trials), never stopped on.
  unbounded,
};

// Which models a metric measures: classifiers (images and class scores), causal language models (token
// sequences and next-token logits) or both (logit errors). A record measures the metrics of its task only.
enum class MetricTask { classifier, language_model, any };

struct MetricInfo {
  std::string_view id = {};           // settings, records and file names: "top1"
  std::string_view label = {};        // report tables and plots: "Top-1"
  std::string_view description = {};  // settings help: "Top-1 accuracy"
  std::string_view measure = {};      // notes and errors that name what a cell stops on
  std::string_view axis_label = {};   // plot y axis
  bool needs_labels = false;          // measured only on labelled data
  bool needs_clean_outputs = false;   // against the fault-free outputs: 0 in the clean cell by definition
  MetricRange range = MetricRange::share;
  MetricTask task = MetricTask::classifier;
  // unbounded: summarised by the median over trials with its order-statistic interval (stats/
  // quantile_interval.hpp), valid for heavy tails and +inf values, instead of a largest or mean value.
  bool median = false;
  // share: the trial's value is 100 * count / denominator (0 without images), summed over its batches.
  std::int64_t TrialCounts::*count = nullptr;
  std::int64_t TrialCounts::*denominator = &TrialCounts::images;
  double TrialCounts::*amount = nullptr;  // unbounded: the trial's value as it is
  bool stoppable = false;  // adaptive cells may stop on it (setting `metric`); only shares can be
  bool plotted = false;    // the report draws <id>_vs_ber_<format>.svg for it
};

// A trial's value of the metric: percent for a share, the amount itself otherwise.
inline double metric_value(const MetricInfo& m, const TrialCounts& c) {
  if (m.range == MetricRange::unbounded) return c.*m.amount;
  const std::int64_t n = c.*m.denominator;
  return n ? 100.0 * static_cast<double>(c.*m.count) / static_cast<double>(n) : 0;
}

// A handle to a registered descriptor: cheap to copy, compared by identity (ids are unique). The built-in
// metrics have named handles; any metric is found by id (find_metric).
class Metric {
 public:
  constexpr explicit Metric(const MetricInfo* info) : info_(info) {}
  const MetricInfo& info() const { return *info_; }
  const MetricInfo* operator->() const { return info_; }
  std::string_view id() const { return info_->id; }
  bool operator==(const Metric&) const = default;

  static const Metric top1, top5, sdc1, sdc5, logit_max_abs, logit_rel_l2;
  static const Metric token_top1, token_top5, token_sdc, ppl_2x, ppl_10x, perplexity, nll, kl;

 private:
  const MetricInfo* info_;
};

}  // namespace flipguard::metrics
