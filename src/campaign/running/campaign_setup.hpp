// What every process of a campaign derives from its resolved settings alone, identically: the model, the
// preloaded images (in their fixed evaluation order), the campaign's identity, the template of its records
// and the grid of cells (this shard's only).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "campaign/planning/work_plan.hpp"
#include "campaign/recipe/resolved_config.hpp"
#include "campaign/records/campaign_identity.hpp"
#include "campaign/records/trial_record.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/manifest/manifest.hpp"

namespace flipguard::campaign {

struct CampaignSetup {
  data::Manifest spec;
  data::PreprocessedSet images;  // in a fixed shuffled order when the campaign has a floor (early stops)
  CampaignIdentity identity;     // what makes records of this campaign comparable (campaign_identity.hpp)
  std::string campaign_id;       // identity.id()
  // The data hash before content identity (legacy_identity.hpp), over the images in dataset order (a floor
  // shuffles them afterwards); an FNV over indices and labels, read only to explain a refusal or by rekey.
  std::string legacy_data_hash;
  // Clean images the site profiles ranges and scales on, when a configuration of the grid needs them
  // (FaultSiteType::needs_calibration; empty otherwise), and where they come from.
  data::PreprocessedSet calibration;
  std::string calibration_source;
  TrialRecord base;             // the fields every record of the campaign shares
  std::vector<PlanCell> cells;  // grid order: format, protection, then the clean record and each BER
  // The configuration as the campaign runs it: the one given, with the defaults the data decide fitted
  // (fit_defaults_to_data); everything after the setup reads this one. `notes` say how the data was read
  // (LoadedData::notes) and what was fitted.
  CampaignConfig config;
  std::vector<std::string> notes;

  // Loads the images of a resolved configuration (resolved_config.hpp) and derives the rest; the model's
  // graph is let go first, each worker reading its own.
  static CampaignSetup load(ResolvedConfig resolved);
  // The same for a configuration resolved here, at its batch as given (resolve_config_at_given_batch).
  static CampaignSetup load(const CampaignConfig& given);
  // One note line per default fitted to the data, one warning line per image left out under --bad-images
  // skip.
  void log_skipped(std::ostream& log) const;
};

// Cells of the full grid, then those of shard i of N. Shards are whole cells because an adaptive cell's
// waves depend on all its earlier trials. In grid order, each cell goes to the shard with the least work so
// far (ties: the lowest index), a clean cell counting 1 trial and a faulty one `faulty_weight`: balanced,
// and a function of the settings only.
std::vector<PlanCell> grid_cells(const CampaignConfig& config);
std::vector<PlanCell> shard_cells(std::vector<PlanCell> cells, int shard, int shards,
                                  std::int64_t faulty_weight);

}  // namespace flipguard::campaign
