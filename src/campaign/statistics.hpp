// Aggregation of a campaign's trial records: one CellSummary per (format, protection, BER) cell, with
// Student-t confidence intervals. Shared by the runner's progress output and the report.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "campaign/critical_strata.hpp"
#include "campaign/trial_record.hpp"

namespace flipguard::campaign {

// Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1].
double regularized_incomplete_beta(double a, double b, double x);

// Quantile of Student's t distribution with df > 0 degrees of freedom at probability p in (0, 1),
// computed by inverting the regularized incomplete beta function (no table).
double student_t_quantile(double p, double df);

// Mean of a sample with its sample standard deviation and the half-width of the two-sided 95% confidence
// interval of the mean. With one value, std and ci95 are NaN (undefined): render them as "n/a".
struct MeanEstimate {
  std::int64_t n = 0;
  double mean = 0;
  double std = 0;
  double ci95 = 0;
};
MeanEstimate estimate_mean(std::span<const double> values);

struct CellSummary {
  std::string format, protection;
  double ber = 0;
  std::int64_t trials = 0;
  std::int64_t images = 0;  // images per trial (the smallest of the trials that were not stopped early)
  MeanEstimate top1, top5;  // percent, over trials
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
  // Why the cell has this many trials: "fixed", or for adaptive campaigns "target reached", "max reached",
  // "below floor" or "incomplete" (the stopping rule of its latest trial applied to all its trials).
  std::string stopped = "fixed";
};

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
