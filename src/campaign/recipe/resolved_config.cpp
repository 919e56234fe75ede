#include "campaign/recipe/resolved_config.hpp"

#include "model/io_signature.hpp"

namespace flipguard::campaign {

ResolvedConfig resolve_config_at_given_batch(const CampaignConfig& given) {
  given.validate();
  ResolvedConfig r;
  r.config = given;
  r.model = resolve_model_file(given);
  r.data = data_request(given);
  return r;
}

ResolvedConfig resolve_config(const CampaignConfig& given, std::ostream& log) {
  ResolvedConfig r = resolve_config_at_given_batch(given);
  // A model exported without a dynamic batch axis runs at its own batch N whatever --batch says (the executor
  // keeps a declared batch: images go in chunks of N, the last one padded), and what records and identities
  // say of the batch must be that N.
  const auto fixed = model::fixed_batch(r.model.graph);
  if (fixed > 0 && fixed != r.config.batch) {
    log << fixed_batch_note(static_cast<int>(fixed), r.config.batch) << "\n";
    r.config.batch = static_cast<int>(fixed);
  }
  return r;
}

data::DataRequest data_request(const CampaignConfig& config) {
  data::DataRequest request;
  request.data = config.data;
  request.assets_dir = config.assets_dir;
  request.classes_file = config.classes;
  request.labels_file = config.labels;
  request.bad_images = data::parse_bad_images(config.bad_images, "bad_images");
  request.subset.limit = static_cast<std::size_t>(config.images);
  request.threads = static_cast<unsigned>(config.threads);
  return request;
}

std::string fixed_batch_note(int batch, int asked) {
  const std::string n = std::to_string(batch);
  return "note: model's batch is fixed at " + n + ": running at --batch " + n + " (not " +
         std::to_string(asked) + ")";
}

}  // namespace flipguard::campaign
