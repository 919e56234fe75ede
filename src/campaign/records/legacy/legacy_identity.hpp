// How campaigns were identified before content identity (campaign_identity.hpp): from the sidecar's sha256
// claim, the dataset's indices and labels, the seed, tensors, fault kind, floor and per-trial image sample.
// Kept only so `flipguard rekey` can recognise the records of such a file and move them to today's identity.
#pragma once

#include <cstdint>
#include <string>

#include "campaign/settings/campaign_config.hpp"

namespace flipguard::data {
struct PreprocessedSet;
}

namespace flipguard::campaign {

// The data hash of those files: dataset indices and targets, and the count of unusable images left out.
std::string legacy_data_hash(const data::PreprocessedSet& images);

// The id of an ordinary campaign of `config` then; `layers`: of a layer campaign ("layers:" + tensors, no
// floor, no per-trial sample).
std::string legacy_campaign_id(const CampaignConfig& config, const std::string& model_sha256,
                               const std::string& data, const std::string& legacy_data_hash, bool layers);

}  // namespace flipguard::campaign
