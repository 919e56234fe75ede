#include "campaign/running/trial_record_fill.hpp"

#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

TrialRecord trial_template(const TrialRecord& base, const PlanCell& cell, std::int64_t trial,
                           const CampaignConfig& config) {
  TrialRecord r = base;
  r.format = cell.format;
  r.protection = cell.protection;
  r.scale_target =
      protect::ProtectionSpec::parse(cell.protection).scale_target(memory::Format::parse(cell.format));
  r.ber = cell.ber;
  r.trial = trial;
  r.fault_model = config.fault_spec(cell.ber);
  r.second_fault_model = config.second_fault_spec(cell.ber);
  if (cell.ber > 0 && config.ci_target > 0) r.adaptive = config.stopping();
  if (cell.ber > 0) r.adaptive.interval = config.stopping().interval;  // fixed trial counts too
  return r;
}

void record_measurements(TrialRecord& r, double memory_overhead, const fault_sites::TrialPatchStats& stats,
                         const metrics::TopKCounts& counts, const metrics::SdcCounts& sdc,
                         const metrics::TokenCounts& tokens, double clean_nll_sum) {
  r.memory_overhead = memory_overhead;
  r.flips = stats.flips;
  r.second_flips = stats.second_flips;
  r.changed_weights = stats.changed_weights;
  r.ecc_corrected = stats.ecc_corrected;
  r.ecc_detected = stats.ecc_detected;
  r.critical_faults = stats.critical_faults;
  r.critical_words = stats.critical_words;
  r.images = counts.images;
  r.top1 = r.labelled ? counts.top1 : 0;
  r.top5 = r.labelled ? counts.top5 : 0;
  r.has_sdc = true;
  r.sdc1 = sdc.sdc1;
  r.sdc5 = sdc.sdc5;
  r.logit_max_abs = sdc.max_abs_error;
  r.logit_rel_l2 = sdc.relative_l2();
  r.non_finite = counts.non_finite;
  r.tokens = tokens;
  r.clean_nll_sum = clean_nll_sum;
}

}  // namespace flipguard::campaign
