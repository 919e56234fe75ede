#include "campaign/running/campaign_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "campaign/planning/cell_design.hpp"
#include "campaign/recipe/model_recipe.hpp"
#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/settings/settings.hpp"
#include "data/loading/data_source.hpp"
#include "data/manifest/manifest_lookup.hpp"
#include "engine/executor.hpp"
#include "fault_sites/campaign_sites.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "faults/critical_conditioning.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "model/onnx_loader.hpp"
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

// Design cells stratify on the critical-fault count, K ~ Binomial(words, BER): the words the fault site
// stores whose critical bit the fault model hits with a binomial count (the count its inject() records as
// critical_words).
// Whether some configuration of the grid needs calibration images at the campaign's site.
bool grid_needs_calibration(const CampaignConfig& config) {
  for (const auto& f : config.formats)
    for (const auto& p : config.protections)
      if (fault_sites::campaign_sites_need_calibration(config, f, p)) return true;
  return false;
}

// The calibration images: the K that follow the evaluated ones in the dataset's stratified order (disjoint
// from them), or, when the data has fewer others (none when `all_evaluated`), the first K of the evaluated
// ones.
void load_calibration(CampaignSetup& s, const data::DataRequest& evaluated, std::size_t evaluated_count,
                      bool all_evaluated, const std::string& dataset) {
  const auto k = static_cast<std::size_t>(s.config.calibration_images);
  data::DataRequest request = evaluated;
  if (!all_evaluated) {
    request.subset = {k, data::SubsetMode::kStratified, evaluated_count};
    auto loaded = data::load_data(request, s.spec);
    if (loaded.images.size() == k) {
      s.calibration = std::move(loaded.images);
      s.calibration_source = std::to_string(k) + " images of " + dataset + " after the " +
                             std::to_string(evaluated_count) + " evaluated (stratified order, disjoint)";
      return;
    }
  }
  request.subset = {k, data::SubsetMode::kStratified, 0};
  s.calibration = data::load_data(request, s.spec).images;
  s.calibration_source = "the first " + std::to_string(s.calibration.size()) + " evaluated images of " +
                         dataset + " (the data has " + (all_evaluated ? "no" : "too few") + " others)";
}

void set_critical_words(std::vector<PlanCell>& cells, const CampaignConfig& config,
                        const data::Manifest& spec) {
  engine::ExecutorOptions eo;
  eo.batch = 1;
  eo.threads = config.threads;
  eo.unfused = config.unfused;
  fault_sites::expose_campaign_sites(config, eo.weights);
  engine::Executor ex(load_graph(spec), eo);
  const auto site = fault_sites::select_campaign_sites(ex, config);
  for (auto& cell : cells) {
    if (cell.ber == 0) continue;
    const auto model = faults::FaultModel::parse(config.fault_spec(cell.ber));
    cell.critical_words = site->critical_words(model, memory::Format::parse(cell.format));
  }
}

}  // namespace

CampaignSetup CampaignSetup::load(const CampaignConfig& given) {
  return load(resolve_config_at_given_batch(given));
}

CampaignSetup CampaignSetup::load(ResolvedConfig resolved) {
  CampaignSetup s;
  auto& model = resolved.model;
  s.spec = std::move(model.spec);
  model.graph = {};  // the workers read their own: not held while the images load
  auto loaded = data::load_data(resolved.data, s.spec);
  const bool all_evaluated = loaded.complete;
  const std::string dataset = loaded.name;
  s.images = std::move(loaded.images);
  // Defaults that the data decide (settings.hpp, fit_defaults_to_data), before anything depends on them.
  s.config = std::move(resolved.config);
  s.notes = std::move(loaded.notes);
  for (auto& n : fit_defaults_to_data(s.config, s.images.labelled, static_cast<std::int64_t>(s.images.size()),
                                      s.images.is_tokens()))
    s.notes.push_back(std::move(n));
  const CampaignConfig& config = s.config;
  if (const Metric m = config.stopping().metric;
      (m->task == metrics::MetricTask::language_model) != s.images.is_tokens())
    throw std::invalid_argument(
        "campaign: metric " + to_string(m) + " measures " +
        (s.images.is_tokens()
             ? "classifiers, but data " + dataset + " are token sequences (a language model's)"
             : "language models, but data " + dataset + " are images"));
  if (s.images.is_tokens() && config.floor > 0)
    throw std::invalid_argument("campaign: a Top-1 floor applies to classifiers; data " + dataset +
                                " are token sequences (set floor 0)");
  if (!s.images.labelled && !s.images.is_tokens()) {
    // Without labels there is no Top-1 to stop on or to bound: say so instead of scoring a fake 0 %.
    if (config.floor > 0)
      throw std::invalid_argument("campaign: data " + dataset +
                                  " has no labels, so a Top-1 floor cannot apply (set "
                                  "floor 0)");
    if (config.ci_target > 0 && config.stopping().metric->needs_labels) {
      const Metric m = label_free_metric();
      throw std::invalid_argument("campaign: data " + dataset +
                                  " has no labels: adaptive trials need --metric " + to_string(m) + " (" +
                                  std::string(m->measure) + ")");
    }
  }
  // Identity is computed over the images in dataset order, before a floor's shuffle.
  s.identity = campaign_identity(config, s.spec, model.sha256, dataset, s.images);
  if (grid_needs_calibration(config)) {
    load_calibration(s, resolved.data, s.images.size() + s.images.skipped.size(), all_evaluated, dataset);
    s.identity.calibration = s.calibration_source;
    s.notes.push_back("ranges and scales profiled on " + s.calibration_source);
  }
  if (config.has_second_site())
    s.notes.push_back("second fault site: " + s.identity.second_site + ", in every cell beside the " +
                      config.site + " of the grid (the clean cell is fault-free at both)");
  s.legacy_data_hash = campaign::legacy_data_hash(s.images);
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
  b.site = config.site;
  if (config.has_second_site()) {
    b.second_site = config.second_site;
    b.second_tensors = config.second_tensors;
    b.second_format = config.second_format;
    b.second_protection = config.second_protection;
  }
  b.calibration = s.calibration_source;  // empty when no configuration profiles
  b.images_skipped = static_cast<std::int64_t>(s.images.skipped.size());
  b.labelled = s.images.labelled;
  // Adaptive cells' counts are unknown in advance: weigh them alike, by their first wave.
  const std::int64_t weight = config.ci_target > 0 ? std::max(config.min_trials, config.wave) : config.trials;
  s.cells = shard_cells(grid_cells(config), config.shard, config.shards, weight);
  if (config.images_per_trial == kAutoImagesPerTrial) {
    if (s.images.size() < static_cast<std::size_t>(kDesignMaxImages))
      throw std::invalid_argument("campaign: images_per_trial = auto needs at least " +
                                  std::to_string(kDesignMaxImages) + " images; " + dataset + " has " +
                                  std::to_string(s.images.size()));
    set_critical_words(s.cells, config, s.spec);
  }
  return s;
}

void CampaignSetup::log_skipped(std::ostream& log) const {
  for (const auto& n : notes) log << "note: " << n << "\n";
  for (const auto& s : images.skipped) log << "warning: image skipped: " << s.reason << "\n";
}

}  // namespace flipguard::campaign
