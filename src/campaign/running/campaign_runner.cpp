#include "campaign/running/campaign_runner.hpp"

#include "campaign/campaign_setup.hpp"
#include "campaign/model_batch.hpp"
#include "campaign/running/coordinator.hpp"

namespace flipguard::campaign {
CampaignSummary run_campaign(const CampaignConfig& given,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  const auto setup = CampaignSetup::load(at_model_batch(given, log));
  setup.log_skipped(log);
  return run_serial(setup.config, setup, progress, log);
}

}  // namespace flipguard::campaign
