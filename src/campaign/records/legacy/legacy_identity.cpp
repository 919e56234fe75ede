#include "campaign/records/legacy/legacy_identity.hpp"

#include "data/loading/batch_loader.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::campaign {

std::string legacy_data_hash(const data::PreprocessedSet& images) {
  std::uint64_t h = hashing::kFnvOffset;
  h = hashing::fnv1a(h, images.indices.data(), images.indices.size() * sizeof(images.indices[0]));
  h = hashing::fnv1a(h, images.targets.data(), images.targets.size() * sizeof(images.targets[0]));
  if (const std::uint64_t skipped = images.skipped.size(); skipped > 0)
    h = hashing::fnv1a(h, &skipped, sizeof skipped);
  return hashing::hex16(h);
}

std::string legacy_campaign_id(const CampaignConfig& config, const std::string& model_sha256,
                               const std::string& data, const std::string& legacy_data_hash, bool layers) {
  const std::string tensors = layers ? "layers:" + config.tensors : config.tensors;
  std::uint64_t h = hashing::kFnvOffset;
  for (const auto* s : {&model_sha256, &data, &legacy_data_hash, &tensors, &config.fault}) {
    h = hashing::fnv1a(h, s->data(), s->size());
    h = hashing::fnv1a(h, "|", 1);
  }
  h = hashing::fnv1a(h, &config.seed, sizeof config.seed);
  if (!layers && config.floor > 0) {
    const std::string f = "|floor=" + std::to_string(config.floor);
    h = hashing::fnv1a(h, f.data(), f.size());
  }
  if (!layers && config.images_per_trial > 0)
    h = hashing::fnv1a(h, &config.images_per_trial, sizeof config.images_per_trial);
  return hashing::hex16(h);
}

}  // namespace flipguard::campaign
