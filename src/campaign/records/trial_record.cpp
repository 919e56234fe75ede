#include "campaign/records/trial_record.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "campaign/records/trial_record_json.hpp"

namespace flipguard::campaign {

metrics::TrialCounts TrialRecord::counts() const {
  metrics::TrialCounts c{.images = images,
                         .top1 = top1,
                         .top5 = top5,
                         .sdc1 = sdc1,
                         .sdc5 = sdc5,
                         .non_finite = non_finite,
                         .logit_max_abs = logit_max_abs,
                         .logit_rel_l2 = logit_rel_l2};
  if (!language_model()) return c;
  const auto positions = static_cast<double>(tokens.positions);
  c.lm_trials = 1;
  c.positions = tokens.positions;
  c.token_top1 = tokens.top1;
  c.token_top5 = tokens.top5;
  c.token_sdc = tokens.sdc;
  c.token_non_finite = tokens.non_finite;
  c.perplexity = tokens.perplexity();
  c.nll = tokens.mean_nll();
  c.kl = tokens.kl_sum / positions;
  // perplexity > k x the fault-free one on the same positions <=> mean NLL > the fault-free mean + ln k
  // (+inf NLL included).
  const double excess = (tokens.nll_sum - clean_nll_sum) / positions;
  c.ppl_2x = excess > std::log(2.0);
  c.ppl_10x = excess > std::log(10.0);
  return c;
}

std::string TrialRecord::cell_key() const {
  char ber_text[32];
  std::snprintf(ber_text, sizeof ber_text, "%.17g", ber);
  return format + "|" + protection + "|" + ber_text;
}

std::string TrialRecord::record_key() const {
  return tensors + "|" + cell_key() + "|" + std::to_string(trial);
}

std::string to_json_line(const TrialRecord& record) {
  return nlohmann::json(record).dump();
}

}  // namespace flipguard::campaign
