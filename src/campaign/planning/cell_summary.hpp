// Aggregation of a campaign's trial records: one CellSummary per (format, protection, BER) cell, with a 95%
// interval of its mean accuracy (docs/statistics.md). Shared by the runner's progress output and the report.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "campaign/planning/critical_strata.hpp"
#include "campaign/records/trial_record.hpp"
#include "stats/quantile_interval.hpp"

namespace flipguard::campaign {

// Mean of a sample with its sample standard deviation and a two-sided 95% interval [lo, hi] of the mean,
// which need not be symmetric; ci95 is its half-width (hi - lo) / 2. Undefined parts are NaN (one value
// has no std; Student t has no interval from one value): render them as "n/a".
struct MeanEstimate {
  std::int64_t n = 0;
  double mean = 0;
  double std = 0;
  double ci95 = 0;
  double lo = 0, hi = 0;
};
// Student t (approximate; see stats/student_t.hpp).
MeanEstimate estimate_mean(std::span<const double> values);
// Mean and std of `values` with the interval [lo, hi] given.
MeanEstimate with_interval(std::span<const double> values, double lo, double hi);

struct CellSummary {
  std::string format, protection;
  double ber = 0;
  std::int64_t trials = 0;
  std::int64_t images = 0;  // images per trial (the smallest of the trials that were not stopped early)
  MeanEstimate top1, top5;  // percent, over trials (meaningless when !labelled: show "n/a")
  bool labelled = true;     // every record has labels (Top-1/Top-5 measured)
  // Silent data corruption against the configuration's fault-free outputs (percent of images, over trials;
  // 0 in the clean cell by definition); has_sdc false when some record predates these metrics.
  bool has_sdc = true;
  MeanEstimate sdc1, sdc5;
  double logit_max_abs = 0;      // largest logit |delta| of any trial
  double logit_rel_l2_mean = 0;  // mean over trials of the relative L2 logit error
  // How top1/top5's intervals were computed: "betting" or "betting-mix" (confidence sequence for adaptive
  // cells, fixed-n betting interval otherwise; -mix: bold bet mixed in), "t" (Student t, approximate),
  // "binomial" (the clean cell: Clopper-Pearson over its images), a design's name (cell_design.hpp).
  std::string interval = "betting";
  double top1_min = 0, top1_max = 0;  // percent
  double non_finite_share = 0;        // fraction of trials in which any image had NaN/Inf logits
  double flips_mean = 0;
  double changed_weights_mean = 0;
  double memory_overhead = 0;  // extra stored bits / data bits
  double ecc_corrected_mean = 0, ecc_detected_mean = 0;
  CriticalStrata critical;  // trials with / without a fault on the critical bit (diagnostic)
  // Trials stopped early below the campaign's floor. Their Top-1 is measured on the images they saw, which
  // reads slightly low (they stopped on a low stretch), in cells far below the floor anyway.
  std::int64_t early_stopped = 0;
  // Trials whose logits were had by an exact shortcut: reused (no read-back weight changed, the fault-free
  // answer) and started late (from kept activations at the first faulted layer). Inference they saved.
  std::int64_t reused = 0, started_late = 0;
  // Why the cell has this many trials: "fixed", or for adaptive campaigns "target reached", "max reached",
  // "below floor" or "incomplete" (the stopping rule of its latest trial applied to all its trials).
  std::string stopped = "fixed";
  // The metric an adaptive cell stops on (its latest record's rule: sdc1 by default on data without labels);
  // meaningless for fixed trials (stopped "fixed").
  Metric metric = Metric::top1;
  // Every share metric of the registry (metrics/metric_registry.hpp) in its order, top1..sdc5 above
  // included: what generic readers (report plots, Python) take a metric's estimate from.
  std::vector<std::pair<Metric, MeanEstimate>> estimates;
  const MeanEstimate& estimate(Metric m) const;  // std::out_of_range for a metric not summarized
  // A language model's cell (its records are; metrics of the other task are not measured, their estimates
  // left at 0).
  bool language_model = false;
  // The metrics summarised by their median over trials (MetricInfo::median) that the cell measures: the
  // median with its distribution-free 95 % interval (order statistics; -inf/+inf where too few trials bound
  // it). The clean cell's single value is its own interval.
  std::vector<std::pair<Metric, stats::QuantileInterval>> medians;
  const stats::QuantileInterval* median(Metric m) const;  // nullptr when not summarised
  // Whether every record measured the metric (labelled for Top-k, has_sdc for SDC): else show "n/a".
  bool measured(Metric m) const;
};

// The 95% interval [lo, hi] (percent) of the mean of a faulty cell's trials, given in trial order, under
// the rule its records carry: Student t (NaN below two trials), or betting: for adaptive rules the
// confidence sequence it was stopped on (valid at that data-dependent stop), else the fixed-n betting
// interval.
MeanEstimate trials_estimate(std::span<const double> top1_percent, const StoppingRule& rule);

// The same for paired differences (points, in [-100, 100]) of two cells over their common trials in trial
// order: t, or the betting interval of the differences mapped to [0, 1] (anytime bets tuned like the
// cells' for adaptive rules, fixed-n bets otherwise).
MeanEstimate paired_estimate(std::span<const double> difference_points, const StoppingRule& rule);

// Whether a cell's trials ran under a design (images_per_trial = auto, adaptive): every record says so.
bool is_design_cell(std::span<const TrialRecord> records);

// The difference of two design cells' means, a minus b, in points (Top-1, or SDC-1 for Metric::sdc1), with
// a valid 95% interval. Each cell plans its trials from its own pilot, so their trials do not pair; instead
// each cell's sequence is run at level 97.5 % (valid at its own adaptive stop) and the union bound gives
// [lo_a - hi_b, hi_a - lo_b] 95 % for both at once, whatever the dependence between the cells (common
// random numbers). Wider than a paired interval, never invalid. Throws std::invalid_argument unless both
// are design cells.
MeanEstimate design_difference(std::span<const TrialRecord> a, std::span<const TrialRecord> b, Metric metric);

// Summary of the trials of one cell. Throws std::invalid_argument on an empty span or on records of
// different cells.
CellSummary summarize(std::span<const TrialRecord> records);

struct Cell {
  std::string format, protection;
  double ber = 0;
  std::vector<TrialRecord> records;
};

// Records grouped into cells keyed by (format, protection, ber), ordered by format and protection in the
// order they first appear, then by BER ascending.
std::vector<Cell> group_cells(std::span<const TrialRecord> records);

}  // namespace flipguard::campaign
