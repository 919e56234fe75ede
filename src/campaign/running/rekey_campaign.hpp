// Results files written before campaigns were identified by content (campaign_identity.hpp) carry the old
// campaign id: a run of today refuses them as another campaign. `flipguard rekey` moves such a file to
// today's identity after proving it belongs to the given settings: its records must carry the id those
// settings had then (computed from the same model file, whose bytes must match the sidecar's claim, and the
// same images).
#pragma once

#include <cstdint>
#include <string>

#include "campaign/settings/campaign_config.hpp"

namespace flipguard::campaign {

struct RekeySummary {
  std::int64_t records = 0;  // records rewritten (0 when the file already had today's identity)
  std::string from, to;      // campaign ids
  bool layers = false;       // a layer campaign's file
};

// Rewrites every record of `config.results` from the legacy identity of `config` (an ordinary or a layer
// campaign), or from its identity before NaN went through the engine's operators, to today's; records of a
// float format (fp32, fp16, bf16) are refused, as the engine may now give their trials other outcomes; under
// the file's lock, through a temporary file renamed into place. Refuses, naming the file and the ids, a file
// whose records are of neither identity, and preprocessing settings (preset, resize, mean, ...) that make the
// recipe other than the sidecar's: the legacy records do not say which recipe made them, so nothing could
// verify another one. Leaves the file untouched then. A file already of today's identity is left as it is:
// its id covers the preprocessing.
RekeySummary rekey_results(const CampaignConfig& config);

}  // namespace flipguard::campaign
