#include "campaign/running/campaign_runner.hpp"

#include "campaign/recipe/resolved_config.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/coordinator.hpp"

namespace flipguard::campaign {
CampaignSummary run_campaign(const CampaignConfig& given,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  const auto setup = CampaignSetup::load(resolve_config(given, log));
  setup.log_skipped(log);
  return run_serial(setup.config, setup, progress, log);
}

}  // namespace flipguard::campaign
