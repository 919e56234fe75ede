// A campaign's results file, opened for its campaign. Migration stays off the normal path: only when the file
// belongs to another campaign are the older ids of these settings computed (before content identity, before
// NaN went through the operators), so that a file of this campaign identified the old way is named with the
// `rekey` command that moves it, instead of "another campaign".
#pragma once

#include <string>

#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_setup.hpp"

namespace flipguard::campaign {

// `path` opened for `campaign_id`, the setup's campaign or (`layers`) its layer campaign.
ResultsFile open_campaign_results(const std::string& path, const std::string& campaign_id,
                                  const CampaignSetup& setup, bool layers);

}  // namespace flipguard::campaign
