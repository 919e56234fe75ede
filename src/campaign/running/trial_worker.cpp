#include "campaign/running/trial_worker.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "campaign/planning/accuracy_floor.hpp"
#include "campaign/recipe/model_recipe.hpp"
#include "campaign/running/trial_record_fill.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "evaluation/evaluate_set.hpp"
#include "fault_sites/campaign_sites.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

using clock_type = std::chrono::steady_clock;

engine::ExecutorOptions trial_executor_options(const CampaignConfig& config) {
  engine::ExecutorOptions eo;
  eo.batch = config.batch;
  eo.threads = config.threads;
  eo.unfused = config.unfused;
  // Bias slots for a protection that rescales them (the stored-weights site never faults them), and whatever
  // the site faults.
  eo.weights.biases = std::ranges::any_of(
      config.protections, [](const auto& p) { return protect::ProtectionSpec::parse(p).rescales_biases(); });
  fault_sites::expose_campaign_sites(config, eo.weights);
  return eo;
}

TrialWorker::TrialWorker(const CampaignConfig& config, const CampaignSetup& setup)
    : config_settings_(config),
      setup_(setup),
      patches_before_run_(fault_sites::campaign_sites_patch_before_run(config)) {
  ex_ = std::make_unique<engine::Executor>(load_graph(setup.spec), trial_executor_options(config));
  site_ = fault_sites::select_campaign_sites(*ex_, config);
  if (setup.calibration.size() > 0) site_->calibrate({&setup.calibration, setup.calibration_source});
  site_->check_targets(fault_model(config.fault, 0.5));
  if (config.images_per_trial > 0)
    trial_images_.emplace(setup.images, static_cast<std::size_t>(config.images_per_trial));
  shortcuts_ = config.shortcuts == "on";
  // Starting at the first faulted layer pays when trials score the whole set (a per-trial sample would need
  // the activations of single images, which blocked layouts do not keep apart). The copies may take what
  // the preloaded images take, or 512 MiB if that is more: the estimate printed at the start includes them.
  if (shortcuts_ && config.images_per_trial == 0) {
    const auto image_bytes = static_cast<std::uint64_t>(setup.images.tensor.size() * sizeof(float) +
                                                        setup.images.tokens.size() * sizeof(std::int64_t));
    prefix_.emplace(*ex_, setup.images, site_->first_faulted_cut(),
                    std::max<std::uint64_t>(image_bytes, 512ull << 20));
    if (prefix_->cut() == 0) prefix_.reset();
  }
}

TrialWorker::~TrialWorker() = default;

MemoryEstimate TrialWorker::memory_estimate() const {
  auto e = estimate_campaign_memory(
      *ex_, site_->stored_sizes(), config_settings_.formats, config_settings_.protections,
      config_settings_.bers,
      setup_.images.tensor.size() * sizeof(float) + setup_.images.tokens.size() * 2 * sizeof(std::int64_t),
      setup_.images.size() + (trial_images_ ? trial_images_->per_trial() : 0));
  if (prefix_) e.kept_activations = prefix_->bytes();
  return e;
}

void TrialWorker::build_configuration(const PlanCell& cell) {
  faults_.reset();  // puts the executor's clean state back before another configuration is stored
  config_.reset();
  clean_.reset();
  faults_ = site_->configure(cell.format, cell.protection);
  config_ = cell.config;
  // The configuration's fault-free pass over every image: its clean record, and the logits every faulty
  // trial of the configuration is compared with (SDC). Kept until another configuration is built.
  clean_.emplace();
  const evaluation::LogitIo keep{.clean = {}, .keep = &clean_->logits};
  clean_->eval = prefix_
                     ? evaluation::evaluate_batches(setup_.images, static_cast<std::size_t>(ex_->batch()),
                                                    ex_->output_size(), prefix_->capture(), logits_, {}, keep)
                     : evaluation::evaluate_set(*ex_, setup_.images, logits_, {}, {}, keep);
  if (setup_.images.is_tokens()) {
    const auto& set = setup_.images;
    const auto vocab = static_cast<std::size_t>(ex_->output_size()) / set.seq_len;
    clean_->position_nll.assign(set.next.size(), 0.0);
    for (std::size_t p = 0; p < set.next.size(); ++p)
      if (set.next[p] >= 0)
        clean_->position_nll[p] = metrics::position_nll(
            std::span<const float>(clean_->logits).subspan(p * vocab, vocab), set.next[p]);
  }
}

double TrialWorker::clean_nll_sum(const TrialImages* sampler) const {
  if (!setup_.images.is_tokens()) return 0;
  if (!sampler) return clean_->eval.tokens.nll_sum;
  // Position by position in the sample's order, as the trial's own sum was taken.
  const std::size_t length = setup_.images.seq_len;
  double sum = 0;
  for (const std::size_t i : sampler->chosen())
    for (std::size_t t = 0; t < length; ++t)
      if (setup_.images.next[i * length + t] >= 0) sum += clean_->position_nll[i * length + t];
  return sum;
}

TrialRecord TrialWorker::run(const PlanCell& cell, std::int64_t trial,
                             const std::optional<TrialDesign>& design) {
  if (!config_ || *config_ != cell.config) build_configuration(cell);
  const CampaignConfig& c = config_settings_;
  TrialRecord r = trial_template(setup_.base, cell, trial, c);
  if (design && cell.ber == 0) throw std::logic_error("trial worker: a design trial of the clean cell");
  if (cell.ber == 0) {  // the fault-free pass is the clean record; it agrees with itself
    r.seconds_inference = clean_->eval.seconds;
    metrics::SdcCounts none;
    none.images = clean_->eval.counts.images;
    record_measurements(r, faults_->memory_overhead(), {}, clean_->eval.counts, none, clean_->eval.tokens,
                        clean_->eval.tokens.nll_sum);
    return r;
  }
  // Faulty trials score their own sample when one is asked for (a design trial: of the design's size),
  // compared with the fault-free logits of the same images.
  TrialImages* sampler = trial_images_ ? &*trial_images_ : nullptr;
  if (design) {
    auto it = design_images_.find(design->images);
    if (it == design_images_.end())
      it = design_images_.try_emplace(design->images, setup_.images, static_cast<std::size_t>(design->images))
               .first;
    sampler = &it->second;
  }
  const data::PreprocessedSet* scored = &setup_.images;
  std::span<const float> clean = clean_->logits;
  if (sampler) {
    scored = &sampler->sample(c.seed, static_cast<std::uint64_t>(trial));
    clean = sampler->rows_of_sample(clean, static_cast<std::size_t>(ex_->output_size()));
  }
  const auto t0 = clock_type::now();
  std::optional<fault_sites::CriticalCondition> condition;
  if (design) {
    r.design_images = design->images;
    r.design_round = design->round;
    r.design_batch = c.batch;
    if (design->stratum >= 0) {
      r.stratum = design->stratum;
      r.stratum_lo = design->lo;
      r.stratum_hi = design->hi;
      condition =
          fault_sites::CriticalCondition{design->lo, design->hi < 0 ? faults::kNoUpperCount : design->hi};
    }
  }
  const auto model = faults::FaultModel::parse(r.fault_model);
  auto stats = faults_->inject({.model = model,
                                .seed = c.seed,
                                .trial = static_cast<std::uint64_t>(trial),
                                .condition = condition,
                                .images = scored->indices,
                                .cell_rate = cell.ber});
  if (condition && stats.critical_words != cell.critical_words)
    throw std::logic_error("trial worker: the plan's stratum weights assume " +
                           std::to_string(cell.critical_words) + " critical words, the model has " +
                           std::to_string(stats.critical_words));
  r.seconds_faults = std::chrono::duration<double>(clock_type::now() - t0).count();
  const auto floor = [&](size_t seen, const metrics::TopKCounts& k) {
    return below_floor(k.top1, static_cast<std::int64_t>(seen), c.floor);
  };
  const evaluation::LogitIo io{.clean = clean, .keep = nullptr};
  const auto batch = static_cast<std::size_t>(ex_->batch());
  evaluation::Evaluation eval;
  if (shortcuts_ && patches_before_run_ && stats.changed_weights == 0) {
    // Every weight reads back as in the fault-free pass: its logits are this pass's, exactly. Scored the
    // same way, batch by batch, so early stops fall where inference would put them.
    eval = evaluation::evaluate_batches(
        *scored, batch, ex_->output_size(),
        [&](std::size_t first, std::size_t n, float* out) {
          const auto width = static_cast<std::size_t>(ex_->output_size());
          std::copy_n(clean.begin() + static_cast<std::ptrdiff_t>(first * width), n * width, out);
        },
        logits_, floor, io);
    r.reused = true;
  } else if (prefix_ && !sampler) {
    eval = evaluation::evaluate_batches(*scored, batch, ex_->output_size(), prefix_->resume(), logits_, floor,
                                        io);
    r.start_layer = prefix_->cut();
  } else {
    eval = evaluation::evaluate_set(*ex_, *scored, logits_, {}, floor, io);
  }
  const auto t1 = clock_type::now();
  stats += faults_->restore();
  r.seconds_faults += std::chrono::duration<double>(clock_type::now() - t1).count();
  r.seconds_inference = eval.seconds;
  r.early_stopped = eval.stopped;
  record_measurements(r, faults_->memory_overhead(), stats, eval.counts, eval.sdc, eval.tokens,
                      clean_nll_sum(sampler));
  return r;
}

}  // namespace flipguard::campaign
