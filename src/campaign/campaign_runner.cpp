#include "campaign/campaign_runner.hpp"

#include "campaign/campaign_setup.hpp"
#include "campaign/coordinator.hpp"

namespace flipguard::campaign {
CampaignSummary run_campaign(const CampaignConfig& config,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  const auto setup = CampaignSetup::load(config);
  setup.log_skipped(log);
  return run_serial(config, setup, progress, log);
}

}  // namespace flipguard::campaign
