#include "campaign/trial_worker.hpp"

#include <algorithm>
#include <chrono>

#include "campaign/accuracy_floor.hpp"
#include "campaign/trial_fields.hpp"
#include "evaluation/evaluate_set.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

using clock_type = std::chrono::steady_clock;

TrialWorker::TrialWorker(const CampaignConfig& config, const CampaignSetup& setup)
    : config_settings_(config), setup_(setup) {
  engine::ExecutorOptions eo;
  eo.batch = config.batch;
  eo.threads = config.threads;
  // Bias slots only for a protection that rescales them; biases are never faulted (select_slots skips them).
  eo.weights.biases = std::ranges::any_of(
      config.protections, [](const auto& p) { return protect::ProtectionSpec::parse(p).rescales_biases(); });
  ex_ = std::make_unique<engine::Executor>(model::load_onnx(setup.spec.onnx_path().string()), eo);
  slots_ = select_slots(ex_->weights(), config.tensors);
  if (config.images_per_trial > 0)
    trial_images_.emplace(setup.images, static_cast<std::size_t>(config.images_per_trial));
}

TrialWorker::~TrialWorker() = default;

MemoryEstimate TrialWorker::memory_estimate() const {
  return estimate_campaign_memory(*ex_, slots_, config_settings_.formats, config_settings_.protections,
                                  config_settings_.bers, setup_.images.tensor.size() * sizeof(float));
}

TrialRecord TrialWorker::run(const PlanCell& cell, std::int64_t trial) {
  if (!config_ || *config_ != cell.config) {
    weights_.reset();  // puts the executor's clean weights back before another configuration is stored
    config_.reset();
    weights_ = std::make_unique<FaultyWeights>(*ex_, slots_, cell.format, cell.protection);
    config_ = cell.config;
  }
  const CampaignConfig& c = config_settings_;
  TrialRecord r = trial_template(setup_.base, cell, trial, c);
  const auto t0 = clock_type::now();
  TrialPatchStats stats;
  if (cell.ber > 0)
    stats =
        weights_->inject(faults::FaultModel::parse(r.fault_model), c.seed, static_cast<std::uint64_t>(trial));
  r.seconds_faults = std::chrono::duration<double>(clock_type::now() - t0).count();
  // The clean record is the configuration's reference: always measured on every image. Faulty trials score
  // their own sample when one is asked for.
  const double floor = cell.ber > 0 ? c.floor : 0;
  const data::PreprocessedSet& scored = trial_images_ && cell.ber > 0
                                            ? trial_images_->sample(c.seed, static_cast<std::uint64_t>(trial))
                                            : setup_.images;
  const auto eval =
      evaluation::evaluate_set(*ex_, scored, logits_, {}, [&](size_t seen, const metrics::TopKCounts& k) {
        return below_floor(k.top1, static_cast<std::int64_t>(seen), floor);
      });
  const auto t1 = clock_type::now();
  weights_->restore();
  r.seconds_faults += std::chrono::duration<double>(clock_type::now() - t1).count();
  r.seconds_inference = eval.seconds;
  r.early_stopped = eval.stopped;
  record_measurements(r, weights_->memory_overhead(), stats, eval.counts);
  return r;
}

}  // namespace flipguard::campaign
