#include "campaign/running/layer_campaign.hpp"

#include <chrono>
#include <stdexcept>

#include "campaign/planning/work_plan.hpp"
#include "campaign/recipe/model_recipe.hpp"
#include "campaign/recipe/resolved_config.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_results.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/trial_record_fill.hpp"
#include "campaign/running/trial_worker.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "metrics/batch_scoring.hpp"
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
  metrics::SdcCounts sdc;       // against the configuration's fault-free logits, summed over the batches
  metrics::TokenCounts tokens;  // a language model's next-token counts, summed over the batches
  double clean_nll_sum = 0;     // and the fault-free NLL over the same positions
};

// The missing trials of one configuration (format x protection) of the current layer.
struct Configuration {
  PlanCell cell;  // its first missing cell
  std::vector<Job> jobs;
  double memory_overhead = 0;
};

// The trials of one layer still missing from the results file, in grid order, by configuration.
struct LayerWork {
  std::vector<Configuration> configs;
  std::int64_t todo = 0;     // trials to run
  std::int64_t skipped = 0;  // trials already in the results file
};

// Layer campaigns evaluate every trial on every image, batch by batch, with fixed trial counts; the per-trial
// options of ordinary campaigns would need the whole layer's trials before any batch. A protection that
// rescales every layer's biases would change the clean prefix per protection.
void refuse_unsupported_options(const CampaignConfig& config) {
  if (config.ci_target > 0 || config.floor > 0 || config.images_per_trial != 0 || config.shards > 1)
    throw std::invalid_argument(
        "layer campaign: ci_target, floor, images_per_trial and shards are options of ordinary campaigns "
        "(run one per layer with --tensors to use them)");
  if (config.has_second_site())
    throw std::invalid_argument(
        "layer campaign: second_site is an option of ordinary campaigns (a layer's "
        "vulnerability is measured with the rest of the model fault-free)");
  for (const auto& p : config.protections)
    if (protect::ProtectionSpec::parse(p).rescales_biases())
      throw std::invalid_argument("protections: '" + p +
                                  "' rescales the biases of every layer, so the clean prefix of a layer "
                                  "campaign would differ per protection; run it as an ordinary campaign");
}

// `base` for the records of target `target` of `site`: its name as `tensors`, and the value it is for a site
// over values nodes write.
TrialRecord layer_base(const TrialRecord& base, const fault_sites::FaultSite& site, std::size_t target) {
  TrialRecord b = base;
  b.tensors = site.targets().at(target);
  if (const auto value = site.written_value(target)) {
    b.value_node = value->node;
    b.value_op = value->op;
    b.value_elements = value->elements_per_image();
  }
  return b;
}

LayerWork missing_trials(const CampaignSetup& setup, const CampaignConfig& config, const ResultsFile& results,
                         const TrialRecord& layer_base) {
  const std::string& layer = layer_base.tensors;
  std::vector<TrialRecord> layer_records;
  for (const auto& r : results.records())
    if (r.tensors == layer) layer_records.push_back(r);
  WorkPlan plan(setup.cells, config.trials, config.stopping(), layer_records);
  LayerWork work;
  while (const auto unit = plan.next()) {
    const PlanCell& cell = plan.cell(unit->cell);
    if (work.configs.empty() || work.configs.back().cell.config != cell.config)
      work.configs.push_back({cell, {}});
    work.configs.back().jobs.push_back(
        {trial_template(layer_base, cell, unit->trial, config), {}, {}, {}, {}, 0});
    ++work.todo;
  }
  work.skipped = plan.skipped();
  return work;
}

// Runs a layer's missing trials batch by batch: the layers before its cut once per batch (the clean prefix),
// then per configuration its fault-free suffix and each trial's faulty suffix, every output scored.
class LayerTrials {
 public:
  // `redraw`: when the site draws its faults (fault_site_registry.hpp), which says how a trial's counts add
  // up over its batches.
  LayerTrials(engine::Executor& ex, const data::PreprocessedSet& images, const CampaignConfig& config,
              fault_sites::Redraw redraw)
      : ex_(ex),
        images_(images),
        config_(config),
        redraw_(redraw),
        classes_(ex.output_size()),
        batch_(static_cast<size_t>(ex.batch())),
        logits_(batch_ * static_cast<size_t>(classes_)),
        clean_logits_(logits_.size()) {}

  // `layer` is the site of the one target; `name` its name; `layers_run` (the layers already kept) is what an
  // interruption reports. Every faulty trial, whatever its faults did, runs the suffix: a site applied while
  // the model runs has changed nothing before it.
  void run(fault_sites::FaultSite& layer, const std::string& name, LayerWork& work, int layers_run) {
    const int cut = layer.first_faulted_cut();
    for (auto& c : work.configs)
      for (auto& j : c.jobs)
        if (j.record.ber > 0) j.record.start_layer = cut;  // as an ordinary campaign of the layer says
    for (size_t first = 0; first < images_.size(); first += batch_) {
      throw_if_interrupted(name, layers_run);
      const auto n = std::min(batch_, images_.size() - first);
      const auto t0 = clock_type::now();
      if (images_.is_tokens())
        ex_.run_prefix(images_.token_batch(first, n).data(), static_cast<int>(n), cut);
      else
        ex_.run_prefix(images_.batch(first, n).data(), static_cast<int>(n), cut);
      const double prefix_share = seconds_since(t0) / static_cast<double>(work.todo);
      for (auto& c : work.configs) run_configuration(layer, c, first, n, prefix_share);
    }
  }

 private:
  // The layer's records are written together: an interrupted layer is redone.
  void throw_if_interrupted(const std::string& layer, int layers_run) const {
    if (platform::interrupt_signal())
      throw platform::Interrupted(platform::interrupt_signal(),
                                  "interrupted by " + platform::signal_name(platform::interrupt_signal()) +
                                      ": " + std::to_string(layers_run) + " layers of this run kept in " +
                                      config_.results + "; run the same command again to resume with layer " +
                                      layer);
  }

  // One configuration's trials on the batch of images [first, first + n), from the kept prefix.
  void run_configuration(fault_sites::FaultSite& layer, Configuration& c, size_t first, size_t n,
                         double prefix_share) {
    // Built per batch: configurations of one layer take turns in the same weight slot (or value hook).
    auto t0 = clock_type::now();
    const auto faults = layer.configure(c.cell.format, c.cell.protection);
    c.memory_overhead = faults->memory_overhead();
    // The configuration's fault-free logits of this batch: its clean record, and what faulty trials are
    // compared with (SDC).
    ex_.run_suffix(clean_logits_.data());
    const double build_share = seconds_since(t0) / static_cast<double>(c.jobs.size());
    const auto width = n * static_cast<size_t>(classes_);
    const auto clean = std::span<const float>(clean_logits_).first(width);
    const auto labels = evaluation::batch_labels(images_, first, n);
    // Scores a batch's logits into a job: Top-k and SDC of images, or a language model's next tokens.
    const auto score = [&](std::span<const float> out, Job& j) {
      if (!images_.is_tokens()) return metrics::score_batch({out, labels, clean, classes_}, j.counts, j.sdc);
      metrics::score_token_batch(evaluation::token_batch(images_, first, n, out, clean, classes_), j.counts,
                                 j.sdc, j.tokens);
    };
    // The fault-free NLL up to this batch, what every trial's perplexity is compared with: one running sum,
    // position by position as a whole pass takes it (every job of the configuration has seen the same
    // batches, so the first job's sum is everyone's).
    double clean_nll = c.jobs.front().clean_nll_sum;
    if (images_.is_tokens()) {
      metrics::TokenCounts t{.nll_sum = clean_nll};
      metrics::score_tokens(evaluation::token_batch(images_, first, n, clean, {}, classes_), t);
      clean_nll = t.nll_sum;
    }
    // The dataset index of each image of the batch: faults redrawn per image are keyed by it.
    const auto indices = std::span<const std::size_t>(images_.indices).subspan(first, n);
    for (auto& j : c.jobs) {
      if (j.record.ber == 0) {  // the clean record
        j.record.seconds_faults += build_share;
        t0 = clock_type::now();
        score(clean, j);
        j.clean_nll_sum = clean_nll;
        j.record.seconds_inference += prefix_share + seconds_since(t0);
        continue;
      }
      t0 = clock_type::now();
      const auto model = faults::FaultModel::parse(j.record.fault_model);
      auto stats = faults->inject({.model = model,
                                   .seed = config_.seed,
                                   .trial = static_cast<std::uint64_t>(j.record.trial),
                                   .images = indices});
      j.record.seconds_faults += build_share + seconds_since(t0);
      t0 = clock_type::now();
      ex_.run_suffix(logits_.data());
      score(std::span<const float>(logits_).first(width), j);
      j.clean_nll_sum = clean_nll;
      j.record.seconds_inference += prefix_share + seconds_since(t0);
      t0 = clock_type::now();
      stats += faults->restore();
      j.record.seconds_faults += seconds_since(t0);
      // Faults drawn once per trial are the same in every batch (count them once); faults redrawn per
      // inference are each batch's own (add them up).
      if (redraw_ == fault_sites::Redraw::kPerTrial)
        j.stats = stats;
      else
        j.stats += stats;
    }
  }

  engine::Executor& ex_;
  const data::PreprocessedSet& images_;
  const CampaignConfig& config_;
  fault_sites::Redraw redraw_;
  std::int64_t classes_;
  size_t batch_;
  std::vector<float> logits_, clean_logits_;
};

void append_records(ResultsFile& results, LayerWork& work) {
  for (auto& c : work.configs)
    for (auto& j : c.jobs) {
      record_measurements(j.record, c.memory_overhead, j.stats, j.counts, j.sdc, j.tokens, j.clean_nll_sum);
      results.append(j.record);
    }
}

}  // namespace

std::string layer_campaign_id(const CampaignIdentity& identity, bool before_nan_faithful) {
  CampaignIdentity layers = identity;
  layers.tensors = "layers:" + identity.tensors;
  return before_nan_faithful ? layers.id_before_nan_faithful() : layers.id();
}

LayerCampaignSummary run_layer_campaign(const CampaignConfig& given,
                                        const std::function<void(const LayerCampaignProgress&)>& progress,
                                        std::ostream& log) {
  auto resolved = resolve_config(given, log);
  const CampaignConfig config = resolved.config;
  refuse_unsupported_options(config);
  const auto t_start = clock_type::now();
  // The ordinary campaign's setup (model, images, data hash, record template), so records of both agree
  // field by field; only the campaign's identity differs.
  const auto setup = CampaignSetup::load(std::move(resolved));
  setup.log_skipped(log);

  // The executor of the campaign's trials, and the campaign's site on it; one target of it at a time.
  const auto& site_type = fault_sites::fault_site_type(config.site);
  engine::Executor ex(load_graph(setup.spec), trial_executor_options(config));
  // Counted from here: calibrating the site (profiling ranges) runs the model too.
  const std::int64_t layers_before = ex.layers_executed();
  const auto site = site_type.select(ex, config.tensors);
  if (setup.calibration.size() > 0) site->calibrate({&setup.calibration, setup.calibration_source});
  site->check_targets(fault_model(config.fault, 0.5));

  LayerCampaignSummary summary;
  summary.campaign_id = layer_campaign_id(setup.identity);
  summary.results_path = config.results;
  summary.site = config.site;
  summary.layers = site->targets();
  ResultsFile results = open_campaign_results(config.results, summary.campaign_id, setup, true);
  if (!results.repair_note().empty()) log << "warning: " << results.repair_note() << "\n";

  // The grid is the ordinary campaign's (one shard): every layer runs all of its cells.
  const std::int64_t per_layer = WorkPlan(setup.cells, config.trials, config.stopping(), {}).upper_bound();
  LayerCampaignProgress prog;
  prog.layers_total = static_cast<int>(summary.layers.size());
  prog.trials_total = per_layer * static_cast<std::int64_t>(summary.layers.size());

  TrialRecord base = setup.base;
  base.campaign = summary.campaign_id;
  LayerTrials trials(ex, setup.images, config, site_type.redraw);
  const long faithful_before = ex.faithful_runs();
  for (std::size_t i = 0; i < summary.layers.size(); ++i) {
    const auto layer = site->only(i);
    summary.cuts.push_back(layer->first_faulted_cut());
    LayerWork work = missing_trials(setup, config, results, layer_base(base, *site, i));
    prog.trials_done += work.skipped;
    summary.trials_skipped += work.skipped;
    prog.layer = summary.layers[i];
    prog.skipped = work.todo == 0;
    if (work.todo == 0) {
      ++summary.layers_skipped;
    } else {
      trials.run(*layer, summary.layers[i], work, summary.layers_run);
      append_records(results, work);
      summary.trials_run += work.todo;
      prog.trials_done += work.todo;
      ++summary.layers_run;
    }
    ++prog.layers_done;
    prog.seconds = seconds_since(t_start);
    progress(prog);
  }
  summary.layers_executed = ex.layers_executed() - layers_before;
  summary.faithful_runs = ex.faithful_runs() - faithful_before;
  summary.seconds = seconds_since(t_start);
  return summary;
}

}  // namespace flipguard::campaign
