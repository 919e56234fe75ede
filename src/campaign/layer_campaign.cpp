#include "campaign/layer_campaign.hpp"

#include <chrono>
#include <stdexcept>

#include "campaign/campaign_setup.hpp"
#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "campaign/model_batch.hpp"
#include "campaign/model_source.hpp"
#include "campaign/planning/work_plan.hpp"
#include "campaign/records/legacy/legacy_identity.hpp"
#include "campaign/records/legacy/legacy_refusal.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/trial_record_fill.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/fault_model.hpp"
#include "metrics/sdc.hpp"
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
  TrialRecord record;
  fault_sites::TrialPatchStats stats;  // the faults of (seed, trial, layer): the same in every batch
  metrics::TopKCounts counts;          // summed over the batches
  metrics::SdcCounts sdc;  // against the configuration's fault-free logits, summed over the batches
};

// The missing trials of one configuration (format x protection) of the current layer.
struct Configuration {
  const PlanCell* cell;  // its first missing cell
  std::vector<Job> jobs;
  double memory_overhead = 0;
};

}  // namespace

std::string layer_campaign_id(const CampaignIdentity& identity, bool before_nan_faithful) {
  CampaignIdentity layers = identity;
  layers.tensors = "layers:" + identity.tensors;
  return before_nan_faithful ? layers.id_before_nan_faithful() : layers.id();
}

LayerCampaignSummary run_layer_campaign(const CampaignConfig& given,
                                        const std::function<void(const LayerCampaignProgress&)>& progress,
                                        std::ostream& log) {
  const auto config = at_model_batch(given, log);
  // Layer campaigns evaluate every trial on every image, batch by batch, with fixed trial counts; the
  // per-trial options of ordinary campaigns would need the whole layer's trials before any batch.
  if (config.ci_target > 0 || config.floor > 0 || config.images_per_trial != 0 || config.shards > 1)
    throw std::invalid_argument(
        "layer campaign: ci_target, floor, images_per_trial and shards are options of ordinary campaigns "
        "(run one per layer with --tensors to use them)");
  if (config.site != fault_sites::kDefaultSite)
    throw std::invalid_argument("layer campaign: its layers are stored weights; run site '" + config.site +
                                "' as an ordinary campaign");
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
  engine::Executor ex(load_graph(spec), eo);
  // One stored weight at a time: layer campaigns are campaigns of the stored-weights site.
  const auto layers = fault_sites::select_slots(ex, config.tensors);
  fault_sites::check_fault_targets(fault_model(config.fault, 0.5), layers);

  LayerCampaignSummary summary;
  summary.campaign_id = layer_campaign_id(setup.identity);
  summary.results_path = config.results;
  for (const auto* l : layers) summary.layers.push_back(l->name());
  refuse_legacy_results(config.results,
                        legacy_campaign_id(config, setup.identity.model_sha256, setup.identity.data,
                                           setup.legacy_data_hash, true));
  refuse_results_before_nan_faithful(config.results, layer_campaign_id(setup.identity, true));
  ResultsFile results(config.results, summary.campaign_id);
  if (!results.repair_note().empty()) log << "warning: " << results.repair_note() << "\n";

  // The grid is the ordinary campaign's (one shard): every layer runs all of its cells.
  const std::int64_t per_layer = WorkPlan(setup.cells, config.trials, config.stopping(), {}).upper_bound();
  LayerCampaignProgress prog;
  prog.layers_total = static_cast<int>(layers.size());
  prog.trials_total = per_layer * static_cast<std::int64_t>(layers.size());

  TrialRecord base = setup.base;
  base.campaign = summary.campaign_id;

  const auto classes = ex.output_size();
  const auto batch = static_cast<size_t>(ex.batch());
  std::vector<float> logits(batch * static_cast<size_t>(classes));
  std::vector<float> clean_logits(logits.size());

  for (auto* layer : layers) {
    // The trials of this layer still missing from the results file, in grid order, by configuration.
    std::vector<TrialRecord> layer_records;
    for (const auto& r : results.records())
      if (r.tensors == layer->name()) layer_records.push_back(r);
    WorkPlan plan(setup.cells, config.trials, config.stopping(), layer_records);
    TrialRecord layer_base = base;
    layer_base.tensors = layer->name();
    std::vector<Configuration> configs;
    std::int64_t todo = 0;
    while (const auto unit = plan.next()) {
      const PlanCell& cell = plan.cell(unit->cell);
      if (configs.empty() || configs.back().cell->config != cell.config) configs.push_back({&cell, {}});
      configs.back().jobs.push_back({trial_template(layer_base, cell, unit->trial, config), {}, {}, {}});
      ++todo;
    }
    prog.trials_done += plan.skipped();
    summary.trials_skipped += plan.skipped();
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
        fault_sites::FaultyWeights weights(ex, {layer}, c.cell->format, c.cell->protection);
        c.memory_overhead = weights.memory_overhead();
        // The configuration's fault-free logits of this batch: its clean record, and what faulty trials
        // are compared with (SDC).
        ex.run_suffix(clean_logits.data());
        const double build_share = seconds_since(t0) / static_cast<double>(c.jobs.size());
        const auto clean = std::span<const float>(clean_logits).first(n * static_cast<size_t>(classes));
        for (auto& j : c.jobs) {
          t0 = clock_type::now();
          if (j.record.ber > 0)
            j.stats = weights.inject(faults::FaultModel::parse(j.record.fault_model), config.seed,
                                     static_cast<std::uint64_t>(j.record.trial));
          j.record.seconds_faults += build_share + seconds_since(t0);
          t0 = clock_type::now();
          if (j.record.ber > 0) ex.run_suffix(logits.data());
          const auto out = j.record.ber > 0
                               ? std::span<const float>(logits).first(n * static_cast<size_t>(classes))
                               : clean;
          if (images.labelled) {
            j.counts.add(metrics::score(out, targets, classes));
          } else {
            j.counts.images += static_cast<std::int64_t>(n);
            j.counts.non_finite += metrics::non_finite_rows(out, classes);
          }
          j.sdc.add(metrics::compare_logits(out, clean, classes));
          j.record.seconds_inference += prefix_share + seconds_since(t0);
          t0 = clock_type::now();
          weights.restore();
          j.record.seconds_faults += seconds_since(t0);
        }
      }
    }
    for (auto& c : configs)
      for (auto& j : c.jobs) {
        record_measurements(j.record, c.memory_overhead, j.stats, j.counts, j.sdc);
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
