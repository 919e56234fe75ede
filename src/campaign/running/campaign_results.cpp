#include "campaign/running/campaign_results.hpp"

#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/records/legacy/legacy_refusal.hpp"
#include "campaign/running/layer_campaign.hpp"

namespace flipguard::campaign {

ResultsFile open_campaign_results(const std::string& path, const std::string& campaign_id,
                                  const CampaignSetup& setup, bool layers) {
  try {
    return ResultsFile(path, campaign_id);
  } catch (const ResultsParseError& e) {
    if (e.kind == ResultsParseError::Kind::other_campaign) {
      const CampaignIdentity& id = setup.identity;
      refuse_legacy_results(
          path, legacy_campaign_id(setup.config, id.model_sha256, id.data, setup.legacy_data_hash, layers));
      refuse_results_before_nan_faithful(path,
                                         layers ? layer_campaign_id(id, true) : id.id_before_nan_faithful());
    }
    throw;
  }
}

}  // namespace flipguard::campaign
