// Runs a campaign in this process (see coordinator.hpp for the parts): for each configuration (format x
// protection) the stored weights are built once; each cell (BER) then runs its trials, each a sparse fault
// injection + a full evaluation of the image set + a restore. Trials already in the results file are skipped,
// so a killed campaign resumes where it stopped.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "campaign/records/trial_record.hpp"
#include "campaign/settings/campaign_config.hpp"

namespace flipguard::campaign {

struct CampaignProgress {
  std::int64_t trials_done = 0, trials_total = 0, trials_skipped = 0;
  // Adaptive campaigns: the likely total (trials_total is then the most they can run); else trials_total.
  std::int64_t trials_expected = 0;
  double images_per_second = 0, eta_seconds = 0;  // the ETA is for trials_expected
  std::string cell;                               // "q2.5 scale ber 1e-4"
  const TrialRecord* last = nullptr;              // the record just written
};

struct CampaignSummary {
  std::string results_path, campaign_id;
  std::int64_t trials_run = 0, trials_skipped = 0;
  double seconds = 0;
};

CampaignSummary run_campaign(const CampaignConfig& config,
                             const std::function<void(const CampaignProgress&)>& progress, std::ostream& log);

}  // namespace flipguard::campaign
