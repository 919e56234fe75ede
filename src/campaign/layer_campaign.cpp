#include "campaign/layer_campaign.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "campaign/campaign_runner.hpp"
#include "campaign/campaign_setup.hpp"
#include "campaign/faulty_weights.hpp"
#include "campaign/results_file.hpp"
#include "data/batch_loader.hpp"
#include "engine/executor.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "metrics/topk.hpp"
#include "model/onnx_loader.hpp"
#include "platform/interrupt.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// One record to produce for the current layer, with what the batches add to it.
struct Job {
  double ber = 0;
  std::int64_t trial = 0;
  TrialRecord record;
  metrics::TopKCounts counts;
};

struct Configuration {
  std::string format, protection;
  std::vector<Job> jobs;
};

}  // namespace

std::string layer_campaign_id(const std::string& model_sha256, const std::string& data,
                              const std::string& data_hash, std::uint64_t seed, const std::string& tensors,
                              const std::string& fault) {
  return campaign_id(model_sha256, data, data_hash, seed, "layers:" + tensors, fault);
}

LayerCampaignSummary run_layer_campaign(const CampaignConfig& config,
                                        const std::function<void(const LayerCampaignProgress&)>& progress,
                                        std::ostream& log) {
  config.validate();
  // Layer campaigns evaluate every trial on every image, batch by batch, with fixed trial counts; the
  // per-trial options of ordinary campaigns would need the whole layer's trials before any batch.
  if (config.ci_target > 0 || config.floor > 0 || config.images_per_trial > 0 || config.shards > 1)
    throw std::invalid_argument(
        "layer campaign: ci_target, floor, images_per_trial and shards are options of ordinary campaigns "
        "(run one per layer with --tensors to use them)");
  for (const auto& p : config.protections)
    if (protect::ProtectionSpec::parse(p).rescales_biases())
      throw std::invalid_argument("protections: '" + p +
                                  "' rescales the biases of every layer, so the clean prefix of a layer "
                                  "campaign would differ per protection; run it as an ordinary campaign");
  const auto t_start = clock_type::now();
  // The ordinary campaign's setup (model, images, data hash, record template), so records of both agree
  // field by field; only the campaign's identity differs.
  const auto setup = CampaignSetup::load(config);
  setup.log_skipped(log);
  const auto& spec = setup.spec;
  const auto& images = setup.images;

  engine::ExecutorOptions eo;
  eo.batch = config.batch;
  eo.threads = config.threads;
  engine::Executor ex(model::load_onnx(spec.onnx_path().string()), eo);
  const auto layers = select_slots(ex.weights(), config.tensors);

  LayerCampaignSummary summary;
  summary.campaign_id = layer_campaign_id(spec.sha256, setup.base.data, setup.base.data_hash, config.seed,
                                          config.tensors, config.fault);
  summary.results_path = config.results;
  for (const auto* l : layers) summary.layers.push_back(l->name());
  ResultsFile results(config.results, summary.campaign_id);
  if (!results.repair_note().empty()) log << "warning: " << results.repair_note() << "\n";

  std::vector<double> rates;  // BER 0 is each configuration's clean record, not a cell of trials
  for (double b : config.bers)
    if (b > 0) rates.push_back(b);
  const auto per_layer = static_cast<std::int64_t>(config.formats.size() * config.protections.size() *
                                                   (1 + rates.size() * static_cast<size_t>(config.trials)));
  LayerCampaignProgress prog;
  prog.layers_total = static_cast<int>(layers.size());
  prog.trials_total = per_layer * static_cast<std::int64_t>(layers.size());

  TrialRecord base = setup.base;
  base.campaign = summary.campaign_id;

  const auto classes = ex.output_size();
  const auto batch = static_cast<size_t>(ex.batch());
  std::vector<float> logits(batch * static_cast<size_t>(classes));

  for (auto* layer : layers) {
    // The trials of this layer still missing from the results file.
    std::vector<Configuration> configs;
    std::int64_t todo = 0;
    for (const auto& format : config.formats) {
      for (const auto& protection_text : config.protections) {
        const auto protection = protect::ProtectionSpec::parse(protection_text);
        Configuration c{format, protection.to_string(), {}};
        TrialRecord cell = base;
        cell.tensors = layer->name();
        cell.format = memory::Format::parse(format).name();
        cell.protection = c.protection;
        cell.scale_target = protection.scale_target(memory::Format::parse(format));
        auto add = [&](double ber, std::int64_t trial) {
          Job j{ber, trial, cell, {}};
          j.record.ber = ber;
          j.record.trial = trial;
          j.record.fault_model = config.fault_spec(ber);
          if (!results.has(j.record.record_key())) c.jobs.push_back(std::move(j));
        };
        add(0.0, 0);
        for (double ber : rates)
          for (std::int64_t t = 0; t < config.trials; ++t) add(ber, t);
        todo += static_cast<std::int64_t>(c.jobs.size());
        if (!c.jobs.empty()) configs.push_back(std::move(c));
      }
    }
    prog.trials_done += per_layer - todo;
    summary.trials_skipped += per_layer - todo;
    prog.layer = layer->name();
    prog.skipped = todo == 0;
    if (todo == 0) {
      ++summary.layers_skipped;
      ++prog.layers_done;
      prog.seconds = seconds_since(t_start);
      progress(prog);
      continue;
    }

    const int cut = ex.cut_before(layer->name());
    for (size_t first = 0; first < images.size(); first += batch) {
      if (platform::interrupt_signal())  // the layer's records are written together: this layer is redone
        throw platform::Interrupted(platform::interrupt_signal(),
                                    "interrupted by " + platform::signal_name(platform::interrupt_signal()) +
                                        ": " + std::to_string(summary.layers_run) +
                                        " layers of this run kept in " + config.results +
                                        "; run the same command again to resume with layer " + layer->name());
      const auto n = std::min(batch, images.size() - first);
      const auto targets = std::span<const int>(images.targets).subspan(first, n);
      auto t0 = clock_type::now();
      ex.run_prefix(images.batch(first, n).data(), static_cast<int>(n), cut);
      const double prefix_share = seconds_since(t0) / static_cast<double>(todo);
      for (auto& c : configs) {
        // Built per batch: configurations of one layer take turns in the same weight slot.
        t0 = clock_type::now();
        FaultyWeights weights(ex, {layer}, c.format, c.protection);
        const double build_share = seconds_since(t0) / static_cast<double>(c.jobs.size());
        for (auto& j : c.jobs) {
          j.record.memory_overhead = weights.memory_overhead();
          t0 = clock_type::now();
          TrialPatchStats stats;
          if (j.ber > 0)
            stats = weights.inject(faults::FaultModel::parse(j.record.fault_model), config.seed,
                                   static_cast<std::uint64_t>(j.trial));
          j.record.seconds_faults += build_share + seconds_since(t0);
          t0 = clock_type::now();
          ex.run_suffix(logits.data());
          j.counts.add(metrics::score(std::span<const float>(logits).first(n * static_cast<size_t>(classes)),
                                      targets, classes));
          j.record.seconds_inference += prefix_share + seconds_since(t0);
          t0 = clock_type::now();
          weights.restore();
          j.record.seconds_faults += seconds_since(t0);
          // The faults of (seed, trial, layer) are the same in every batch.
          j.record.flips = stats.flips;
          j.record.changed_weights = stats.changed_weights;
          j.record.ecc_corrected = stats.ecc_corrected;
          j.record.ecc_detected = stats.ecc_detected;
          j.record.critical_faults = stats.critical_faults;
          j.record.critical_words = stats.critical_words;
        }
      }
    }
    for (auto& c : configs)
      for (auto& j : c.jobs) {
        j.record.top1 = j.counts.top1;
        j.record.top5 = j.counts.top5;
        j.record.non_finite = j.counts.non_finite;
        results.append(j.record);
      }
    summary.trials_run += todo;
    prog.trials_done += todo;
    ++summary.layers_run;
    ++prog.layers_done;
    prog.seconds = seconds_since(t_start);
    progress(prog);
  }
  summary.seconds = seconds_since(t_start);
  return summary;
}

}  // namespace flipguard::campaign
