#include "campaign/campaign_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "campaign/campaign_runner.hpp"
#include "campaign/legacy_identity.hpp"
#include "data/dataset_registry.hpp"
#include "data/model_lookup.hpp"
#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

namespace {
void shuffle_images(data::PreprocessedSet& set, std::uint64_t seed);
}  // namespace

std::vector<PlanCell> grid_cells(const CampaignConfig& config) {
  std::vector<PlanCell> cells;
  std::size_t config_index = 0;
  for (const auto& format : config.formats) {
    for (const auto& protection_text : config.protections) {
      PlanCell c;
      c.config = config_index++;
      c.format = memory::Format::parse(format).name();
      c.protection = protect::ProtectionSpec::parse(protection_text).to_string();
      c.ber = 0;  // the configuration's clean record
      cells.push_back(c);
      for (double ber : config.bers) {
        if (ber <= 0) continue;
        c.ber = ber;
        cells.push_back(c);
      }
    }
  }
  return cells;
}

std::vector<PlanCell> shard_cells(std::vector<PlanCell> cells, int shard, int shards,
                                  std::int64_t faulty_weight) {
  std::vector<std::int64_t> load(static_cast<std::size_t>(shards), 0);
  std::vector<PlanCell> mine;
  for (auto& c : cells) {
    const auto least = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    load[static_cast<std::size_t>(least)] += c.ber > 0 ? faulty_weight : 1;
    if (least == shard) mine.push_back(std::move(c));
  }
  return mine;
}

namespace {

// A fixed pseudo-random order of the images (Fisher-Yates driven by splitmix64: the same on every platform,
// unlike std::shuffle). Datasets stored class by class would otherwise show a trial's first batches from one
// class only, and the floor's binomial bound needs the images seen so far to be a random sample of the set.
void shuffle_images(data::PreprocessedSet& set, std::uint64_t seed) {
  std::uint64_t state = seed ^ 0x5eed0f1005eed0f1ULL;
  auto next = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const std::size_t floats = set.sample_floats();
  std::vector<float> tmp(floats);
  for (std::size_t i = set.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(next() % i);  // modulo bias is irrelevant here
    if (j == i - 1) continue;
    std::swap(set.targets[i - 1], set.targets[j]);
    std::swap(set.indices[i - 1], set.indices[j]);
    if (!set.content.empty()) std::swap(set.content[i - 1], set.content[j]);
    float* a = set.tensor.data() + (i - 1) * floats;
    float* b = set.tensor.data() + j * floats;
    std::copy(a, a + floats, tmp.data());
    std::copy(b, b + floats, a);
    std::copy(tmp.data(), tmp.data() + floats, b);
  }
}

}  // namespace

CampaignSetup CampaignSetup::load(const CampaignConfig& config) {
  config.validate();
  CampaignSetup s;
  s.spec = data::load_model_spec(data::resolve_model_sidecar(config.model, config.models_dir));
  const std::string dataset = config.data.empty() ? s.spec.dataset : config.data;
  if (dataset.empty())
    throw std::invalid_argument("campaign: " + s.spec.name + " declares no default dataset: set data");
  const auto bad_images = data::parse_bad_images(config.bad_images, "bad_images");
  data::BatchLoader loader(std::shared_ptr<const data::Dataset>(data::open_dataset(
                               dataset, data::resolve_assets_dir(config.assets_dir), bad_images)),
                           s.spec, static_cast<unsigned>(config.threads));
  data::Subset subset;
  subset.limit = static_cast<size_t>(config.images);
  s.images = loader.preload(subset, bad_images);
  // Identity is computed over the images in dataset order, before a floor's shuffle.
  s.identity = campaign_identity(config, s.spec, dataset, s.images);
  s.legacy_data_hash = campaign::legacy_data_hash(s.images);
  s.legacy_campaign_id =
      campaign::legacy_campaign_id(config, s.identity.model_sha256, dataset, s.legacy_data_hash, false);
  if (config.floor > 0) shuffle_images(s.images, config.seed);
  s.campaign_id = s.identity.id();
  TrialRecord& b = s.base;
  b.campaign = s.campaign_id;
  b.model = s.spec.name;
  b.model_sha256 = s.identity.model_sha256;
  b.data = dataset;
  b.data_hash = s.identity.data_hash;
  b.images = static_cast<std::int64_t>(s.images.size());
  b.seed = config.seed;
  b.tensors = config.tensors;
  b.images_skipped = static_cast<std::int64_t>(s.images.skipped.size());
  // Adaptive cells' counts are unknown in advance: weigh them alike, by their first wave.
  const std::int64_t weight = config.ci_target > 0 ? std::max(config.min_trials, config.wave) : config.trials;
  s.cells = shard_cells(grid_cells(config), config.shard, config.shards, weight);
  return s;
}

void CampaignSetup::log_skipped(std::ostream& log) const {
  for (const auto& s : images.skipped) log << "warning: image skipped: " << s.reason << "\n";
}

}  // namespace flipguard::campaign
