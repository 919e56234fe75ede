#include "campaign/model_batch.hpp"

#include "campaign/model_source.hpp"
#include "model/io_signature.hpp"
#include "model/onnx_loader.hpp"

namespace flipguard::campaign {

CampaignConfig at_model_batch(CampaignConfig config, std::ostream& log) {
  config.validate();  // a bad setting is named before the model is read
  const auto fixed = model::fixed_batch(model::load_onnx(resolve_onnx_path(config)));
  if (fixed > 0 && fixed != config.batch) {
    log << fixed_batch_note(static_cast<int>(fixed), config.batch) << "\n";
    config.batch = static_cast<int>(fixed);
  }
  return config;
}

std::string fixed_batch_note(int batch, int asked) {
  const std::string n = std::to_string(batch);
  return "note: model's batch is fixed at " + n + ": running at --batch " + n + " (not " +
         std::to_string(asked) + ")";
}

}  // namespace flipguard::campaign
