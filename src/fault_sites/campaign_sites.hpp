// The fault sites a campaign's settings name: its `site` over `tensors`, and with `second_site` a second
// site in one configuration beside it (site_pair.hpp). The trial worker, the planner and `flipguard run`
// build their sites here, so one site and two are the same code path above this file.
#pragma once

#include <memory>
#include <string>

#include "campaign/settings/campaign_config.hpp"
#include "engine/executor.hpp"
#include "engine/weight_selection.hpp"
#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

// The campaign's sites on `executor`; std::invalid_argument when a selection matches nothing (listing the
// candidates) or a targeted second fault names no target of the second site.
std::unique_ptr<FaultSite> select_campaign_sites(engine::Executor& executor,
                                                 const campaign::CampaignConfig& config);

// Adds what the sites need exposed as weight slots to `selection`.
void expose_campaign_sites(const campaign::CampaignConfig& config, engine::WeightSelection& selection);

// Whether every site's faults reach the model only through values patched in before the run
// (FaultSiteType::patches_before_run): what the exact "no weight changed" shortcut needs.
bool campaign_sites_patch_before_run(const campaign::CampaignConfig& config);

// Whether the configuration (format, protection) of the first site, or the second site's one, needs
// calibration images.
bool campaign_sites_need_calibration(const campaign::CampaignConfig& config, const std::string& format,
                                     const std::string& protection);

}  // namespace flipguard::fault_sites
