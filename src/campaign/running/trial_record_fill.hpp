// How a trial's record is filled, by the trial worker and the layer campaign alike: the fields its cell fixes
// before it runs, then what it measured. Records of both paths thus agree field by field.
#pragma once

#include <cstdint>

#include "campaign/planning/work_plan.hpp"
#include "campaign/records/trial_record.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/patch_stats.hpp"
#include "metrics/sdc.hpp"
#include "metrics/token_scoring.hpp"
#include "metrics/topk.hpp"

namespace flipguard::campaign {

// `base` (the fields every record of the campaign shares) with the cell's format, protection and its scaling
// target, BER and fault model, the trial's index and, for a faulty trial, the interval method (with the whole
// stopping rule in an adaptive campaign).
TrialRecord trial_template(const TrialRecord& base, const PlanCell& cell, std::int64_t trial,
                           const CampaignConfig& config);

// What the trial measured: its configuration's memory overhead, what its faults did at the fault site,
// and the images scored (`counts.images` of them): Top-k (when the data has labels) and SDC against the
// fault-free logits; for a language model, its next-token counts and the fault-free NLL sum over the same
// positions.
void record_measurements(TrialRecord& r, double memory_overhead, const fault_sites::TrialPatchStats& stats,
                         const metrics::TopKCounts& counts, const metrics::SdcCounts& sdc,
                         const metrics::TokenCounts& tokens = {}, double clean_nll_sum = 0);

}  // namespace flipguard::campaign
