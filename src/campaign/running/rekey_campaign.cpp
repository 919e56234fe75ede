#include "campaign/running/rekey_campaign.hpp"

#include <filesystem>
#include <ostream>
#include <stdexcept>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/recipe/resolved_config.hpp"
#include "campaign/records/campaign_identity.hpp"
#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/records/legacy/legacy_refusal.hpp"
#include "campaign/records/legacy/rekey_records.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/settings.hpp"
#include "data/manifest/manifest.hpp"

namespace flipguard::campaign {
namespace {

// The legacy id holds no preprocessing, so legacy records cannot show which recipe made them: settings that
// make the recipe other than the sidecar's (the only one a legacy file can be taken to have) could be another
// than theirs, and the rekeyed file would then hold trials of two preprocessings under one id. Settings
// that only repeat the sidecar's values change nothing and pass.
void refuse_unverifiable_preprocessing(const std::string& path, const CampaignConfig& config,
                                       const data::Manifest& spec) {
  const auto overrides = preprocessing_settings(config);
  if (overrides.empty()) return;
  if (!spec.json_file.empty() &&
      preprocessing_text(data::load_manifest(spec.json_file)) == preprocessing_text(spec))
    return;
  std::string named;
  for (const auto& o : overrides) named += (named.empty() ? "" : ", ") + o;
  throw std::runtime_error(
      path +
      ": records written before content identity do not say how their images were preprocessed, so "
      "rekey cannot verify " +
      named + (spec.json_file.empty() ? "" : " (a recipe other than " + spec.json_file.string() + "'s)") +
      " against them; rekey without these settings (the sidecar's own recipe, if the file was written with "
      "it), or run the campaign anew into another results file; left untouched");
}

}  // namespace

RekeySummary rekey_results(const CampaignConfig& asked) {
  // The files to rekey predate the cell design: images_per_trial at its default "auto" (not asked for)
  // means what it meant then, every trial over all the images.
  CampaignConfig given = asked;
  if (given.images_per_trial == kAutoImagesPerTrial && !given.given.count("images_per_trial"))
    plain_trials_instead_of_design(given);
  const std::string& path = given.results;
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(path + ": no such results file to rekey");
  std::ostream quiet(nullptr);  // the campaign's own run said it
  const auto setup = CampaignSetup::load(resolve_config(given, quiet));
  const CampaignConfig& config = setup.config;
  const std::string legacy = legacy_campaign_id(config, setup.identity.model_sha256, setup.identity.data,
                                                setup.legacy_data_hash, false);
  const std::string legacy_layers = legacy_campaign_id(config, setup.identity.model_sha256,
                                                       setup.identity.data, setup.legacy_data_hash, true);
  const std::string now = setup.campaign_id, now_layers = layer_campaign_id(setup.identity);
  const std::string before_nan = setup.identity.id_before_nan_faithful(),
                    before_nan_layers = layer_campaign_id(setup.identity, true);

  RekeySummary s;
  const std::string first = first_record_campaign(path);
  if (first == now || first == now_layers) {
    s.from = s.to = first;
    s.layers = first == now_layers;
    return s;  // already today's identity
  }
  const bool previous = first == before_nan || first == before_nan_layers;
  if (first != legacy && first != legacy_layers && !previous)
    throw std::runtime_error(path + ": its records are of campaign " + (first.empty() ? "(none)" : first) +
                             "; these settings were campaign " + legacy + " (or layer campaign " +
                             legacy_layers +
                             ") before content identity: give the settings the file was written with "
                             "(model, data, images, seed, tensors, fault, floor, images_per_trial)");
  // Records of the identity before NaN went through the operators carry the preprocessing in their id.
  if (!previous) refuse_unverifiable_preprocessing(path, config, setup.spec);
  s.layers = first == legacy_layers || first == before_nan_layers;
  s.from = first;
  s.to = s.layers ? now_layers : now;

  // The file's lock for the whole rewrite; every record must be of the legacy campaign (ResultsFile checks).
  ResultsFile file(path, s.from);
  const RekeyTarget target{s.to, setup.identity.model_sha256,
                           previous ? setup.identity.data_hash : setup.legacy_data_hash,
                           setup.identity.data_hash};
  const std::string text = rekeyed_records(path, file, target, s.records);
  write_results_atomically(path, text, "rekey");
  return s;
}

}  // namespace flipguard::campaign
