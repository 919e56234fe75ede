// The batch a configuration's model runs at. A model exported without a dynamic batch axis runs at its own
// batch N whatever --batch says (the executor keeps a declared batch: images go in chunks of N, the last one
// padded), and what records and identities say of the batch must be that N.
#pragma once

#include <ostream>
#include <string>

#include "campaign/settings/campaign_config.hpp"

namespace flipguard::campaign {

// `config` with its batch set to the fixed batch of its model, if the model has one; a note on `log` when
// that is not the batch asked for. Reads the model's ONNX file (std::runtime_error naming it).
CampaignConfig at_model_batch(CampaignConfig config, std::ostream& log);

// The note's text: "note: model's batch is fixed at N: running at --batch N (not ASKED)".
std::string fixed_batch_note(int batch, int asked);

}  // namespace flipguard::campaign
