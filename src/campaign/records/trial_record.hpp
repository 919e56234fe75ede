// One line of a campaign's results file (JSON Lines): everything needed to reproduce one trial and to
// aggregate it. The results file is the source of truth; reports are derived from it alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/stopping_rule.hpp"
#include "metrics/token_scoring.hpp"
#include "metrics/trial_counts.hpp"

namespace flipguard::campaign {

inline constexpr int kRecordVersion = 1;

struct TrialRecord {
  int version = kRecordVersion;
  std::string campaign;  // hash of the campaign's defining settings: records of another campaign are refused
  std::string model;     // model name
  std::string model_sha256;    // of the .onnx file
  std::string data;            // dataset name
  std::string data_hash;       // hash of the evaluated image indices and labels
  std::int64_t images = 0;     // images evaluated in this trial
  std::string format;          // storage format, e.g. "q2.5"
  std::string protection;      // canonical protection spec, e.g. "none", "scale", "scale+ecc72"
  double memory_overhead = 0;  // extra stored bits / data bits of the protection
  double scale_target = 0;     // t of weight scaling in this protection (0: no scaling)
  double ber = 0;              // bit-error rate of the cell (0: the fault-free baseline of the configuration)
  std::string fault_model;     // canonical fault model spec, e.g. "ber:0.0001"
  std::uint64_t seed = 0;
  std::int64_t trial = 0;            // trial index within the cell
  std::string tensors;               // which stored tensors were faulted ("all" or a pattern)
  std::int64_t flips = 0;            // faults applied to stored bits (data + check)
  std::int64_t changed_weights = 0;  // weights whose read-back value differs from the fault-free read
  std::int64_t top1 = 0, top5 = 0;   // correct images (0 and absent from JSON when !labelled)
  // False for data without labels: Top-1/Top-5 are not measured (never a fake 0 %); SDC is the measure.
  bool labelled = true;
  // Silent data corruption against the configuration's fault-free logits on the same images
  // (metrics/sdc.hpp): images whose Top-1 changed / left the fault-free Top-5, the largest logit |delta| and
  // the relative L2 error (+inf: JSON null). has_sdc false: a file written before these were measured.
  bool has_sdc = false;
  std::int64_t sdc1 = 0, sdc5 = 0;
  double logit_max_abs = 0, logit_rel_l2 = 0;
  std::int64_t non_finite = 0;                       // images whose logits contained NaN/Inf
  std::int64_t ecc_corrected = 0, ecc_detected = 0;  // ECC words corrected / detected-uncorrectable
  // Faults sampled on the format's critical bit, and the words whose critical bit the fault model can hit
  // (0: not a per-bit model; then no stratification). See TrialPatchStats.
  std::int64_t critical_faults = 0, critical_words = 0;
  double seconds_faults = 0, seconds_inference = 0;
  // The trial stopped once its Top-1 was statistically below the campaign's floor; `images` is then the
  // count evaluated (absent in files written before early stops existed: false).
  bool early_stopped = false;
  // The stopping rule of an adaptive campaign that ran this trial (ci_target 0: fixed trials; absent in
  // older files). Reports derive each cell's stop reason from it. Its interval method is kept for fixed
  // trials too, as the record's "interval" (faulty cells; absent in older files: Student t).
  StoppingRule adaptive{.ci_target = 0};
  // Unusable images of the chosen subset left out (--bad-images skip); 0 in files written before it existed.
  std::int64_t images_skipped = 0;
  // A trial of a design cell (images_per_trial = "auto", stats/stratified_design.hpp): the images per trial
  // the design chose for it, the round (observation) of the design it belongs to, and its stratum, the
  // range [stratum_lo, stratum_hi] of critical faults it was drawn in (stratum -1: an unconditioned trial;
  // stratum_hi -1: no upper bound). design_images 0: not a design trial (and none of these are written).
  std::int64_t design_images = 0, design_round = 0;
  int stratum = -1;
  std::int64_t stratum_lo = 0, stratum_hi = -1;
  // The batch the design costed images in (its plan depends on it); 1 in files written before it was kept,
  // whose plans costed single images.
  int design_batch = 1;
  // How the trial's logits were had (setting `shortcuts`; both leave every other field as a full pass
  // would): reused, the configuration's fault-free logits, because no read-back weight changed; start_layer
  // > 0, a pass from the fault-free activations kept before that layer (the first that reads a faulted
  // weight). Absent from JSON when false / 0.
  bool reused = false;
  int start_layer = 0;
  // The fault site (campaign_config.hpp's `site`), and where the ranges and scales of its configurations
  // were profiled when some needed them (activations in int8, ranger, clip-act: "64 images of ... after the
  // 9000 evaluated ..."). Absent from JSON at the defaults ("weights", ""), so records of the stored-weights
  // site read as before; activation records written before records named their site lack both too.
  std::string site{kDefaultSite};
  std::string calibration;
  // A layer campaign over values nodes write: the faulted value's node (its name, or "op #index"), that
  // node's op and the value's elements per image (`tensors` is the value's name). Absent (empty node) for
  // other records.
  std::string value_node, value_op;
  std::int64_t value_elements = 0;
  // A campaign with a second fault site (campaign_config.hpp's second_*): that site, its targets, its one
  // format and protection, its fault model at this trial's rate (empty in the clean cell) and the flips it
  // took (part of `flips`). Absent (empty site) for campaigns of one site.
  std::string second_site, second_tensors, second_format, second_protection, second_fault_model;
  std::int64_t second_flips = 0;
  // A causal language model's trial (token sequences; `images` counts its sequences, and Top-1/Top-5 and
  // image SDC-1/SDC-5 are not measured): its next-token counts (metrics/token_scoring.hpp) and the fault-free
  // model's NLL sum over the same positions, what ppl_2x / ppl_10x compare with (the clean cell: its own).
  // tokens.positions 0: a classifier's record, without the JSON object "lm".
  metrics::TokenCounts tokens;
  double clean_nll_sum = 0;
  bool language_model() const { return tokens.positions > 0; }

  double top1_percent() const {
    return images ? 100.0 * static_cast<double>(top1) / static_cast<double>(images) : 0;
  }
  double top5_percent() const {
    return images ? 100.0 * static_cast<double>(top5) / static_cast<double>(images) : 0;
  }
  double sdc1_percent() const {
    return images ? 100.0 * static_cast<double>(sdc1) / static_cast<double>(images) : 0;
  }
  double sdc5_percent() const {
    return images ? 100.0 * static_cast<double>(sdc5) / static_cast<double>(images) : 0;
  }
  // What the trial measured, as the metrics read it (metrics/trial_counts.hpp).
  metrics::TrialCounts counts() const;
  // The trial's value of a metric (percent for a share), e.g. what an adaptive cell's interval is about.
  double metric_percent(Metric metric) const { return metrics::metric_value(metric.info(), counts()); }
  // Whether the record measured the metric: labels when it needs them, SDC when it needs the fault-free
  // outputs (files older than SDC lack it).
  bool measured(Metric metric) const {
    const bool task = metric->task == metrics::MetricTask::any ||
                      (metric->task == metrics::MetricTask::language_model) == language_model();
    return task && (!metric->needs_labels || labelled) && (!metric->needs_clean_outputs || has_sdc);
  }
  // (format, protection, ber) identifies a cell; plus tensors and trial, a record (a layer campaign holds
  // the records of several layers in one file).
  std::string cell_key() const;
  std::string record_key() const;
};

// The record as its line of a results file, without the newline: one JSON object, the same keys and values
// (bindings and tools outside C++ read records in this form).
std::string to_json_line(const TrialRecord& record);

}  // namespace flipguard::campaign
