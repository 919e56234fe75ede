// One configuration of the activations site: the selected values stored in a format behind a protection,
// with each trial's faults applied by a hook while the model runs (engine/value_hook.hpp).
//
// Every time a selected value is written, for each image of the run: the whole value is stored in the
// format (rounded: fp16 and bf16 storage costs accuracy, and the configuration's clean pass includes it),
// the image's faults flip or stick bits of those stored words, and the protection guards the reads.
// Faults are a pure function of (seed, trial, value name, the image's index in the dataset): the same image
// sees the same faults at any batch size, thread count, shard or MPI rank. Rate-driven upsets (ber, burst)
// are drawn anew for every image (transient); stuck-at faults are keyed without the image, so every image
// of a trial meets the same stuck bits (permanent).
//
// Under ecc72 (or ecc39, ecc13) the image's words of a value are packed into SECDED codewords whose check
// bits sit in the same faulty memory and take faults too; a codeword that took any is decoded before the
// guards read the value (value_ecc.hpp). The fault log then lists the words that differ after decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/value_hook.hpp"
#include "fault_sites/activations/image_faults.hpp"
#include "fault_sites/activations/value_ecc.hpp"
#include "fault_sites/activations/value_profile.hpp"
#include "fault_sites/activations/value_targets.hpp"
#include "fault_sites/fault_site.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::fault_sites {

// How a configuration stores and guards its values.
struct ActivationStorage {
  memory::Format format = memory::Format::fp32();
  std::optional<protect::ProtectionSpec::Ecc> ecc;  // SECDED over the stored words, decoded before the guards
  bool nan_guard = false, ranger = false, clip_act = false;
  // Per value, in the site's order: the calibration ranges int8 scales and the range guards are taken from
  // (empty when the configuration needs none).
  std::vector<ValueRange> ranges;

  // Whether it needs `ranges`: int8's scales, ranger's and clip-act's bounds.
  bool needs_ranges() const { return format.is_int8() || ranger || clip_act; }
};

class ActivationFaults final : public SiteFaults, public engine::ValueHook {
 public:
  // `values` are the executor's (Executor::written_values), chosen by the site. Arms the hook at once when
  // the configuration changes values without faults (a narrower format, a guard), so its clean pass includes
  // it.
  ActivationFaults(engine::Executor& executor, std::vector<engine::WrittenValue> values,
                   ActivationStorage storage);
  ~ActivationFaults() override;
  ActivationFaults(const ActivationFaults&) = delete;
  ActivationFaults& operator=(const ActivationFaults&) = delete;

  // The check bits over the data bits (0 without ECC; ecc72: 8/64, a little more where padding ends a value).
  double memory_overhead() const override { return memory_overhead_; }
  // A trial's faults fall on every inference anew: no count per trial is binomial over a fixed set of words.
  std::int64_t critical_words(const faults::FaultModel&) const override { return 0; }
  TrialPatchStats inject(const TrialDraw& draw) override;
  TrialPatchStats restore() override;
  bool log_faults(FaultLog log) override {
    log_ = std::move(log);
    return true;
  }

  void run_started(int images) override;
  void value_written(int value, engine::ValueView& view, bool repeat) override;
  bool nan_likely() const override { return nan_likely_; }

 private:
  void arm();
  void disarm();
  engine::Executor& executor_;
  std::vector<engine::WrittenValue> values_;
  ActivationStorage storage_;
  std::vector<float> scales_;  // int8: max|a| / 127 per value (1 for a value that is 0 throughout)
  std::optional<ValueEcc> ecc_;
  std::vector<std::uint64_t> value_bits_;  // stored bits of one image of each value, check bits included
  double memory_overhead_ = 0;
  bool always_armed_;  // the format or the guard changes values even without faults
  bool armed_ = false;
  // The current trial's fault model, the dataset index of each image it runs, and each value's draw (empty
  // between trials).
  std::optional<faults::FaultModel> model_;
  std::vector<std::size_t> images_;
  std::vector<ValueDraw> draws_;
  std::vector<ValueTarget> targets_;  // a targeted model's flips (they hit named images only)
  std::size_t position_ = 0;          // images of the trial before the current run
  int run_images_ = 0;
  bool nan_likely_ = false;  // this run's faults made a non-finite or huge value
  TrialPatchStats stats_;
  FaultLog log_;
  // The current run's changed words, sent to log_ when the next run starts or the trial ends: a NaN-faithful
  // rerun of a value replaces its entries, since the words it stores are the ones the run's result came from.
  struct Pending {
    int value;
    std::uint64_t image;
    std::int64_t element;
    std::uint32_t word_before, word_after;
    float before, after;
  };
  std::vector<Pending> pending_;
  void flush_log();
};

}  // namespace flipguard::fault_sites
