// A configuration resolved once, at the top of a command, into the typed pieces the lower layers take: the
// settings validated, the model recipe (which ONNX file, its verified sidecar or the graph's own signature,
// the input and preprocessing, the file's SHA-256 and its graph, read once), the batch the model runs at, and
// the data request. What the data decide (defaults fitted to labels and image counts, then the grid of
// cells, its fault models and the stopping rule) follows in CampaignSetup, once the images are loaded.
#pragma once

#include <ostream>
#include <string>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "data/loading/data_source.hpp"

namespace flipguard::campaign {

struct ResolvedConfig {
  CampaignConfig config;  // validated; its batch the model's own when the model fixes one
  ModelFile model;        // the model recipe, with the ONNX file's SHA-256 and graph
  data::DataRequest data;
};

// `given` validated (a bad setting is named before any file is read), its model opened and checked once, its
// batch set to the model's fixed batch if the model has one (a note on `log` when that is not the batch asked
// for), its data request built. Throws std::invalid_argument (a setting) or std::runtime_error /
// data::DataError (a file).
ResolvedConfig resolve_config(const CampaignConfig& given, std::ostream& log);
// The same at the batch `given` asks for, whatever the model fixes: for a configuration already resolved
// once (its batch fitted), read again.
ResolvedConfig resolve_config_at_given_batch(const CampaignConfig& given);

// The data the settings ask for (data, assets, classes, labels, bad images, the image subset, loading
// threads): the one place a request is built, so campaigns, layer campaigns, run and eval load alike.
data::DataRequest data_request(const CampaignConfig& config);

// The note's text: "note: model's batch is fixed at N: running at --batch N (not ASKED)".
std::string fixed_batch_note(int batch, int asked);

}  // namespace flipguard::campaign
