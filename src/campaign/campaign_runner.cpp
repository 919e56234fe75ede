#include "campaign/campaign_runner.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "campaign/evaluate_set.hpp"
#include "campaign/faulty_weights.hpp"
#include "campaign/fnv1a.hpp"
#include "campaign/memory_estimate.hpp"
#include "campaign/results_file.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset_registry.hpp"
#include "data/model_lookup.hpp"
#include "engine/executor.hpp"
#include "faults/fault_model.hpp"
#include "metrics/topk.hpp"
#include "model/onnx_loader.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {
namespace {

using clock_type = std::chrono::steady_clock;

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string campaign_id(const std::string& model_sha256, const std::string& data,
                        const std::string& data_hash, std::uint64_t seed, const std::string& tensors,
                        const std::string& fault) {
  std::uint64_t h = kFnvOffset;
  for (const auto* s : {&model_sha256, &data, &data_hash, &tensors, &fault}) {
    h = fnv1a(h, s->data(), s->size());
    h = fnv1a(h, "|", 1);
  }
  h = fnv1a(h, &seed, sizeof seed);
  return hex(h);
}

CampaignSummary run_campaign(const CampaignConfig& config,
                             const std::function<void(const CampaignProgress&)>& progress,
                             std::ostream& log) {
  config.validate();
  const auto t_start = clock_type::now();
  const auto spec = data::load_model_spec(data::resolve_model_sidecar(config.model, config.models_dir));
  const std::string dataset = config.data.empty() ? spec.dataset : config.data;
  if (dataset.empty())
    throw std::invalid_argument("campaign: " + spec.name + " declares no default dataset: set data");
  const auto bad_images = data::parse_bad_images(config.bad_images, "bad_images");
  data::BatchLoader loader(std::shared_ptr<const data::Dataset>(data::open_dataset(
                               dataset, data::resolve_assets_dir(config.assets_dir), bad_images)),
                           spec, static_cast<unsigned>(config.threads));
  data::Subset subset;
  subset.limit = static_cast<size_t>(config.images);
  const auto images = loader.preload(subset, bad_images);
  for (const auto& s : images.skipped) log << "warning: image skipped: " << s.reason << "\n";
  std::uint64_t dh = kFnvOffset;
  dh = fnv1a(dh, images.indices.data(), images.indices.size() * sizeof(images.indices[0]));
  dh = fnv1a(dh, images.targets.data(), images.targets.size() * sizeof(images.targets[0]));
  // Skipped images make this another data set; the condition keeps earlier campaigns' hashes unchanged.
  if (const std::uint64_t skipped = images.skipped.size(); skipped > 0)
    dh = fnv1a(dh, &skipped, sizeof skipped);
  const std::string data_hash = hex(dh);

  engine::ExecutorOptions eo;
  eo.batch = config.batch;
  eo.threads = config.threads;
  eo.weights.biases =
      true;  // scale@logits rescales biases; biases are never faulted (select_slots skips them)
  engine::Executor ex(model::load_onnx(spec.onnx_path().string()), eo);
  std::vector<float> logits;
  auto slots = select_slots(ex.weights(), config.tensors);
  log << estimate_campaign_memory(ex, slots, config.formats, config.protections, config.bers,
                                  images.tensor.size() * sizeof(float))
             .describe()
      << "\n";

  CampaignSummary summary;
  summary.campaign_id =
      campaign_id(spec.sha256, dataset, data_hash, config.seed, config.tensors, config.fault);
  summary.results_path = config.results;
  ResultsFile results(config.results, summary.campaign_id);
  if (!results.repair_note().empty()) log << "warning: " << results.repair_note() << "\n";

  std::vector<double> rates;  // BER 0 is each configuration's clean record, not a cell of trials
  for (double b : config.bers)
    if (b > 0) rates.push_back(b);
  CampaignProgress prog;
  prog.trials_total = static_cast<std::int64_t>(config.formats.size() * config.protections.size() *
                                                (1 + rates.size() * static_cast<size_t>(config.trials)));
  std::int64_t images_done = 0;
  double inference_seconds = 0;

  TrialRecord base;
  base.campaign = summary.campaign_id;
  base.model = spec.name;
  base.model_sha256 = spec.sha256;
  base.data = dataset;
  base.data_hash = data_hash;
  base.images = static_cast<std::int64_t>(images.size());
  base.images_skipped = static_cast<std::int64_t>(images.skipped.size());
  base.seed = config.seed;
  base.tensors = config.tensors;

  for (const auto& format : config.formats) {
    for (const auto& protection_text : config.protections) {
      const std::string protection = canonical_protection(protection_text);
      TrialRecord cell = base;
      cell.format = Format::parse(format).name();
      cell.protection = protection;
      cell.scale_target = scale_target_of(protection, format);
      // Which records of this configuration are still missing?
      std::vector<std::pair<double, std::int64_t>> todo;
      auto missing = [&](double ber, std::int64_t trial) {
        TrialRecord k = cell;
        k.ber = ber;
        k.trial = trial;
        return !results.has(k.record_key());
      };
      if (missing(0.0, 0)) todo.emplace_back(0.0, 0);
      for (double ber : rates)
        for (std::int64_t t = 0; t < config.trials; ++t)
          if (missing(ber, t)) todo.emplace_back(ber, t);
      const auto skipped = static_cast<std::int64_t>(1 + rates.size() * static_cast<size_t>(config.trials)) -
                           static_cast<std::int64_t>(todo.size());
      prog.trials_skipped += skipped;
      prog.trials_done += skipped;
      if (todo.empty()) continue;

      FaultyWeights weights(ex, slots, format, protection);
      cell.memory_overhead = weights.memory_overhead();
      for (const auto& [ber, trial] : todo) {
        TrialRecord r = cell;
        r.ber = ber;
        r.trial = trial;
        r.fault_model = config.fault_spec(ber);
        const auto t0 = clock_type::now();
        TrialPatchStats stats;
        if (ber > 0)
          stats = weights.inject(faults::FaultModel::parse(r.fault_model), config.seed,
                                 static_cast<std::uint64_t>(trial));
        r.seconds_faults = std::chrono::duration<double>(clock_type::now() - t0).count();
        const auto eval = evaluate_set(ex, images, logits);
        const auto t1 = clock_type::now();
        weights.restore();
        r.seconds_faults += std::chrono::duration<double>(clock_type::now() - t1).count();
        r.seconds_inference = eval.seconds;
        r.flips = stats.flips;
        r.changed_weights = stats.changed_weights;
        r.ecc_corrected = stats.ecc_corrected;
        r.ecc_detected = stats.ecc_detected;
        r.top1 = eval.counts.top1;
        r.top5 = eval.counts.top5;
        r.non_finite = eval.counts.non_finite;
        results.append(r);
        ++summary.trials_run;
        ++prog.trials_done;
        images_done += r.images;
        inference_seconds += eval.seconds + r.seconds_faults;
        prog.images_per_second = static_cast<double>(images_done) / inference_seconds;
        prog.eta_seconds = static_cast<double>(prog.trials_total - prog.trials_done) *
                           static_cast<double>(images.size()) / prog.images_per_second;
        char label[160];
        std::snprintf(label, sizeof label, "%s %s ber %g", r.format.c_str(), r.protection.c_str(), ber);
        prog.cell = label;
        prog.last = &results.records().back();
        progress(prog);
      }
    }
  }
  summary.trials_skipped = prog.trials_skipped;
  summary.seconds = std::chrono::duration<double>(clock_type::now() - t_start).count();
  return summary;
}

}  // namespace flipguard::campaign
