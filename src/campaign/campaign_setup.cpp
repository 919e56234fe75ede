#include "campaign/campaign_setup.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "campaign/campaign_runner.hpp"
#include "campaign/faulty_weights.hpp"
#include "campaign/fnv1a.hpp"
#include "data/dataset_registry.hpp"
#include "data/model_lookup.hpp"
#include "memory/format.hpp"

namespace flipguard::campaign {

std::vector<PlanCell> grid_cells(const CampaignConfig& config) {
  std::vector<PlanCell> cells;
  std::size_t config_index = 0;
  for (const auto& format : config.formats) {
    for (const auto& protection_text : config.protections) {
      PlanCell c;
      c.config = config_index++;
      c.format = Format::parse(format).name();
      c.protection = canonical_protection(protection_text);
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

std::vector<PlanCell> shard_cells(std::vector<PlanCell> cells, int shard, int shards) {
  std::vector<PlanCell> mine;
  for (std::size_t k = 0; k < cells.size(); ++k)
    if (static_cast<int>(k % static_cast<std::size_t>(shards)) == shard) mine.push_back(std::move(cells[k]));
  return mine;
}

CampaignSetup CampaignSetup::load(const CampaignConfig& config) {
  config.validate();
  CampaignSetup s;
  s.spec = data::load_model_spec(data::resolve_model_sidecar(config.model, config.models_dir));
  const std::string dataset = config.data.empty() ? s.spec.dataset : config.data;
  if (dataset.empty())
    throw std::invalid_argument("campaign: " + s.spec.name + " declares no default dataset: set data");
  data::BatchLoader loader(std::shared_ptr<const data::Dataset>(
                               data::open_dataset(dataset, data::resolve_assets_dir(config.assets_dir))),
                           s.spec, static_cast<unsigned>(config.threads));
  data::Subset subset;
  subset.limit = static_cast<size_t>(config.images);
  s.images = loader.preload(subset);
  std::uint64_t dh = kFnvOffset;
  dh = fnv1a(dh, s.images.indices.data(), s.images.indices.size() * sizeof(s.images.indices[0]));
  dh = fnv1a(dh, s.images.targets.data(), s.images.targets.size() * sizeof(s.images.targets[0]));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(dh));

  s.campaign_id = campaign::campaign_id(s.spec.sha256, dataset, hex, config.seed, config.tensors,
                                        config.fault, config.floor, config.images_per_trial);
  TrialRecord& b = s.base;
  b.campaign = s.campaign_id;
  b.model = s.spec.name;
  b.model_sha256 = s.spec.sha256;
  b.data = dataset;
  b.data_hash = hex;
  b.images = static_cast<std::int64_t>(s.images.size());
  b.seed = config.seed;
  b.tensors = config.tensors;
  s.cells = shard_cells(grid_cells(config), config.shard, config.shards);
  return s;
}

}  // namespace flipguard::campaign
