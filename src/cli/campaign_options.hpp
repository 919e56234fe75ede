// The settings `flipguard campaign` and `flipguard layer-campaign` share: their flags, and how the flags
// override a --config file. One place, so both commands read a study the same way.
#pragma once

#include <set>
#include <string>

#include "campaign/campaign_config.hpp"
#include "cli/options.hpp"

namespace flipguard::cli {

// --config, --model, --data, --formats, --protections, --bers, --fault, --trials, --seed, --tensors,
// --images,
// --batch, --threads, --results, --models-dir, --assets, --bad-images.
std::set<std::string> grid_flags();

// Loads --config (if given) into `c`, then applies every grid flag given on the command line.
void apply_grid_options(const Options& opt, campaign::CampaignConfig& c);

}  // namespace flipguard::cli
