// Runs single trials: one executor over the campaign's images, the campaign's fault site on it, and the
// site's targets in one configuration (format x protection) at a time, rebuilt only when a unit of another
// configuration arrives. Knows nothing of scheduling or of where records go, nor of what a site faults.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "campaign/running/campaign_setup.hpp"
#include "campaign/running/clean_prefix.hpp"
#include "campaign/running/memory_estimate.hpp"
#include "campaign/running/trial_images.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "fault_sites/fault_site.hpp"
#include "fault_sites/faulty_weights.hpp"

namespace flipguard::campaign {

// How a campaign's trials build their executor (batch, threads, the slots its fault site needs, bias slots
// for protections that rescale biases): `flipguard run` builds its own alike, so its outputs are a trial's.
engine::ExecutorOptions trial_executor_options(const CampaignConfig& config);

class TrialWorker {
 public:
  // `setup` must outlive the worker.
  TrialWorker(const CampaignConfig& config, const CampaignSetup& setup);
  ~TrialWorker();
  TrialWorker(const TrialWorker&) = delete;
  TrialWorker& operator=(const TrialWorker&) = delete;

  // The record of one trial of `cell` (BER 0: the clean record, trial 0). A `design` trial scores its own
  // sample of design->images images and, in a stratum, draws its faults conditioned on the stratum's
  // range of critical faults; the record carries both.
  TrialRecord run(const PlanCell& cell, std::int64_t trial,
                  const std::optional<TrialDesign>& design = std::nullopt);
  // The campaign's peak memory by the formula of docs/memory.md, from this worker's executor.
  MemoryEstimate memory_estimate() const;
  // The configuration whose site faults are built now, if any.
  std::optional<std::size_t> config() const { return config_; }

 private:
  struct CleanPass {
    evaluation::Evaluation eval;
    std::vector<float> logits;  // images x classes, in the order of setup.images
    // A language model's: each position's NLL (rows x sequence length, 0 where a position has no target),
    // what a trial over a sample of the sequences sums in its order to compare with.
    std::vector<double> position_nll;
  };
  // The fault-free NLL sum over the sequences a faulty trial scored (0 for images).
  double clean_nll_sum(const TrialImages* sampler) const;
  void build_configuration(const PlanCell& cell);

  const CampaignConfig& config_settings_;
  const CampaignSetup& setup_;
  // Every site's faults are patched in before the run (the exact "no weight changed" shortcut applies).
  bool patches_before_run_;
  std::unique_ptr<engine::Executor> ex_;
  std::unique_ptr<fault_sites::FaultSite> site_;  // on *ex_
  std::vector<float> logits_;
  std::unique_ptr<fault_sites::SiteFaults> faults_;    // of the configuration built now
  std::optional<TrialImages> trial_images_;            // when each trial scores its own sample of the images
  std::map<std::int64_t, TrialImages> design_images_;  // design trials: a sampler per image count
  std::optional<std::size_t> config_;
  std::optional<CleanPass> clean_;  // of the configuration built now
  // Exact shortcuts (setting `shortcuts`): trials whose faults change no read-back weight take the clean
  // pass's answer (for sites that patch the executor before it runs); trials over the whole set start at the
  // first faulted layer when that is not the first.
  bool shortcuts_ = true;
  std::optional<CleanPrefix> prefix_;  // with a cut only when trials score the whole set
};

}  // namespace flipguard::campaign
