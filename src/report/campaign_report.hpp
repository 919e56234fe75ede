// Everything a report shows, derived from the records alone: the campaign's identity (model, data, ...),
// one CellSummary per cell with the cell's trials, and Top-1 differences against each format's first
// protection (paired over common trials, or from design cells' own intervals).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/trial_record.hpp"

namespace flipguard::report {

// Top-1 of `protection` minus Top-1 of `baseline` (percentage points) at one (format, BER), over the trials
// present in both. Trials with the same index see the same data-bit flips (common random numbers), so the
// paired difference is much tighter than the difference of two independent means. Its interval is the
// cells' method applied to the differences (campaign::paired_estimate), asymmetric in general. Design cells
// (images_per_trial = auto) do not pair: their difference is campaign::design_difference (paired false).
struct PairedDifference {
  std::string format, protection, baseline;
  double ber = 0;
  campaign::MeanEstimate diff;
  bool paired = true;
};

// One trial as the distribution plot shows it.
struct TrialOutcome {
  std::int64_t trial = 0;
  double top1 = 0, top5 = 0;  // percent
  // Faults on the format's critical bit: 0 none, 1 some, -1 not recorded (fault models that are not per bit,
  // files written before the count existed). A clean trial has none.
  int critical = -1;
  double perplexity = 0;  // a language model's trial (+inf when its logits went NaN/Inf); 0 otherwise
};

struct CampaignReport {
  std::string campaign, model, model_sha256, data, data_hash;
  std::string seeds, tensors, fault_kinds;  // distinct values, comma-separated
  // The fault site the records name ("weights" for records that name none) and where ranges and scales were
  // profiled (empty: nothing profiled, or records written before they said); distinct, comma-separated.
  std::string site, calibration;
  // A second site's configuration ("activations (all) fp16 / ranger"), its fault models ("ber", rates per
  // cell in the records) and the mean flips it took per faulty trial; empty with one site.
  std::string second_site, second_faults;
  double second_flips_mean = 0;
  std::int64_t images_min = 0, images_max = 0, trials_min = 0, trials_max = 0, records = 0;
  std::int64_t data_images = 0;  // images of the data (the clean records', which score every one)
  bool labelled = true;          // every record has labels: Top-1 is measured (else only SDC is)
  bool has_sdc = true;           // every record has SDC metrics (files before them do not)
  // The records are a causal language model's (token sequences; a file holds one kind or the other).
  bool language_model = false;
  std::vector<std::string> formats;                             // first-seen order
  std::map<std::string, std::vector<std::string>> protections;  // per format, first-seen order
  std::vector<campaign::CellSummary> cells;                     // in group_cells order
  std::vector<std::vector<TrialOutcome>> outcomes;              // per cell (as `cells`), in trial order
  std::vector<PairedDifference> paired;

  const campaign::CellSummary* find(const std::string& format, const std::string& protection,
                                    double ber) const;
  // The trials of a cell found by find(); empty for a cell not in the report.
  const std::vector<TrialOutcome>& trials_of(const campaign::CellSummary* cell) const;
  std::vector<double> bers(const std::string& format) const;  // ascending, distinct
};

// Throws ReportError if there are no records.
CampaignReport build_report(std::span<const campaign::TrialRecord> records);

}  // namespace flipguard::report
