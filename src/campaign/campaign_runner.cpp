#include "campaign/campaign_runner.hpp"

#include <cstdio>

#include "campaign/campaign_setup.hpp"
#include "campaign/coordinator.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::campaign {
namespace {

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string campaign_id(const std::string& model_sha256, const std::string& data,
                        const std::string& data_hash, std::uint64_t seed, const std::string& tensors,
                        const std::string& fault, double floor, std::int64_t images_per_trial) {
  std::uint64_t h = hashing::kFnvOffset;
  for (const auto* s : {&model_sha256, &data, &data_hash, &tensors, &fault}) {
    h = hashing::fnv1a(h, s->data(), s->size());
    h = hashing::fnv1a(h, "|", 1);
  }
  h = hashing::fnv1a(h, &seed, sizeof seed);
  if (floor > 0) {  // only then, so campaigns without early stops keep their ids
    const std::string f = "|floor=" + std::to_string(floor);
    h = hashing::fnv1a(h, f.data(), f.size());
  }
  // Likewise only when used, so campaigns that score every image keep the ids they always had.
  if (images_per_trial > 0) h = hashing::fnv1a(h, &images_per_trial, sizeof images_per_trial);
  return hex(h);
}

CampaignSummary run_campaign(const CampaignConfig& config,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  const auto setup = CampaignSetup::load(config);
  setup.log_skipped(log);
  return run_serial(config, setup, progress, log);
}

}  // namespace flipguard::campaign
