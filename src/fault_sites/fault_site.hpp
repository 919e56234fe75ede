// A fault site: where in a running model faults land. A campaign sees a site through two objects:
//
//   FaultSite   the site's targets on one executor, chosen by the `tensors` selection (built once per
//   worker); SiteFaults  one configuration (format x protection) of those targets, into which each trial's
//   faults are
//               drawn, applied and undone (built once per configuration, reused by all of its trials).
//
// The campaign runner, the trial worker and the records use only these interfaces and the registry entry
// (fault_site_registry.hpp); what a site faults, when its faults are redrawn and how the engine applies them
// live in the site's own file. Per trial, a site's work must stay O(faults): nothing proportional to the
// model.
//
// Stored weights (sites/stored_weights.cpp) patch the executor's weight slots in inject() and put the clean
// values back in restore(). A site in the activations (the values nodes write) would instead:
//  - select node outputs by the same grammar (a value's or node's name, else a regex), and answer
//    first_faulted_cut() with the cut before the first node whose output it faults, so trials still start
//    from the fault-free activations kept there;
//  - in inject(), arm a hook the executor calls after a faulted node has written its output, in the engine's
//    own layout (the engine then owns the offset map of each value, as it does for weight slots), with
//    the draw's key (seed, trial) and its images; the hook draws an image's faults from
//    (seed, trial, draw.images[row], value name), so transient faults differ per inference and per image,
//    and stuck-at faults (the same for every image of a trial) drop the image from the key;
//  - count the flips the hook made and return them from restore(), which also disarms the hook.
// Its registry entry says kPerInference and patches_before_run = false, which keeps the trial worker from
// answering a trial whose inject() changed no stored value with the fault-free pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/value_hook.hpp"
#include "fault_sites/fault_log.hpp"
#include "fault_sites/patch_stats.hpp"
#include "fault_sites/trial_draw.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"

namespace flipguard::data {
struct PreprocessedSet;
}

namespace flipguard::fault_sites {

// Clean images a site may profile its targets on (ranges, scales) before a configuration needs them, and
// where they come from (for errors and notes).
struct Calibration {
  const data::PreprocessedSet* images = nullptr;
  std::string source;
};

// One configuration (format x protection) of a site's targets. Built fault-free: the executor then runs this
// configuration's clean model (the clean record, and the logits every faulty trial is compared with).
class SiteFaults {
 public:
  virtual ~SiteFaults() = default;

  // Extra stored bits of the protection over the data bits, over all targets (records' memory_overhead).
  virtual double memory_overhead() const = 0;
  // Words whose critical bit `model` can hit, over all targets (0 when the count on it is not binomial): the
  // N of a stratified design's Binomial(N, rate).
  virtual std::int64_t critical_words(const faults::FaultModel& model) const = 0;
  // Draws the faults of `draw` and applies them, returning what they did before the model runs. Throws
  // std::invalid_argument when the draw's condition cannot be met (faults::conditionable).
  virtual TrialPatchStats inject(const TrialDraw& draw) = 0;
  // Puts the fault-free state back after the trial's inferences, returning what faults applied while the
  // model ran did (nothing for a site whose faults were all patched in by inject()).
  virtual TrialPatchStats restore() = 0;
  // The configuration's logits are the model's times this factor (1 unless the protection rescales them).
  virtual double output_scale() const { return 1; }
  // Sends every stored word the next trials' faults change to `log` (an empty one stops it), for a fault list
  // another tool can replay; false when the site cannot list them that way.
  virtual bool log_faults(FaultLog log) {
    (void)log;
    return false;
  }
};

// A site's targets on one executor, chosen by a campaign's `tensors` selection. Holds the executor by
// reference: it must outlive the site and every SiteFaults the site configures.
class FaultSite {
 public:
  virtual ~FaultSite() = default;

  // What is faulted, in executor order (a layer campaign's layers, `flipguard run`'s summary).
  virtual std::vector<std::string> targets() const = 0;
  // A targeted fault model must name targets of this site and elements inside them (sampling would otherwise
  // skip a misspelt name silently): std::invalid_argument naming the target and the candidates.
  virtual void check_targets(const faults::FaultModel& model) const = 0;
  // The cut (Executor::cut_points) before the first layer whose results the site's faults can change: the
  // layers before it compute the fault-free values in every trial (0 when the first layer is faulted).
  virtual int first_faulted_cut() const = 0;
  // The element counts a configuration stores per target, for the campaign's memory estimate.
  virtual std::vector<std::int64_t> stored_sizes() const = 0;
  // SiteFaults::critical_words of a configuration in `format`, without building it (a campaign's plan).
  virtual std::int64_t critical_words(const faults::FaultModel& model,
                                      const memory::Format& format) const = 0;
  // Stores the targets in `format` behind `protection`, fault-free, and makes the executor read them so.
  virtual std::unique_ptr<SiteFaults> configure(const std::string& format, const std::string& protection) = 0;
  // The images configurations that need ranges or scales profile on (FaultSiteType::needs_calibration); they
  // must outlive the site. Called before any configuration, on the fault-free executor: a site profiles here,
  // so what it profiles never depends on another site's configuration in the same trials.
  virtual void calibrate(Calibration calibration) { (void)calibration; }
  // The site of target `target` (an index into targets()) alone: a layer campaign's unit. It faults what a
  // `tensors` selection of that target alone would, and starts at that target's cut; it shares this site's
  // calibration and what was profiled on it (ranges are per target, so profiling once serves every target).
  // Must not outlive this site.
  virtual std::unique_ptr<FaultSite> only(std::size_t target) = 0;
  // For a site whose targets are values nodes write: target `target` as the executor writes it (its node,
  // op and elements per image, which a layer campaign's records name); nullopt for other sites.
  virtual std::optional<engine::WrittenValue> written_value(std::size_t target) const {
    (void)target;
    return std::nullopt;
  }
};

}  // namespace flipguard::fault_sites
