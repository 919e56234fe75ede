#include "campaign/campaign_runner.hpp"

#include "campaign/campaign_setup.hpp"
#include "campaign/coordinator.hpp"
#include "campaign/model_batch.hpp"

namespace flipguard::campaign {
CampaignSummary run_campaign(const CampaignConfig& given,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  const auto config = at_model_batch(given, log);
  const auto setup = CampaignSetup::load(config);
  setup.log_skipped(log);
  return run_serial(config, setup, progress, log);
}

}  // namespace flipguard::campaign
