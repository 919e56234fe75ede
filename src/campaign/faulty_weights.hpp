// The model's stored weights in one configuration (format + protection): a ProtectedTensor per faulted
// weight slot of the executor. A trial samples faults into the stored bits, reads back only what they
// touched, patches those elements into the executor and, afterwards, puts everything back. Per trial, the
// work is O(faults), never O(weights).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/weight_slot.hpp"
#include "faults/critical_conditioning.hpp"
#include "faults/fault_model.hpp"
#include "protect/protected_tensor.hpp"

namespace flipguard::campaign {

struct TrialPatchStats {
  std::int64_t flips = 0;            // faults that changed a stored bit (data and check)
  std::int64_t changed_weights = 0;  // elements whose read differs from the fault-free read
  std::int64_t ecc_corrected = 0, ecc_detected = 0;
  // Faults sampled on the format's critical bit (Format::critical_bit) of the data words, and how many words
  // the fault model could hit there. For per-bit models (ber, stuck0, stuck1) critical_faults is exactly
  // Binomial(critical_words, rate), which lets the statistics stratify trials on it; 0 words for models where
  // it is not (bursts, targeted) or whose bit mask excludes that bit.
  std::int64_t critical_faults = 0, critical_words = 0;
};

// A stratified trial: the number of faults on the format's critical bit, over all faulted tensors together,
// lies in [lo, hi] (hi may be faults::kNoUpperCount).
struct CriticalCondition {
  std::int64_t lo = 0, hi = faults::kNoUpperCount;
};

class FaultyWeights {
 public:
  // Stores each of `slots` in `format` behind `protection`, and writes the fault-free read-back into the
  // executor (so BER 0 is this configuration's clean baseline). A protection that rescales biases
  // (scale@logits) keeps the weights scaled and scales the biases: the executor must expose its bias slots.
  FaultyWeights(engine::Executor& executor, std::vector<engine::WeightSlot*> slots, const std::string& format,
                const std::string& protection);
  ~FaultyWeights();

  // Memory overhead of the protection over all faulted tensors (extra stored bits / data bits).
  double memory_overhead() const;
  std::uint64_t data_bits() const;

  // Samples the faults of (seed, trial) at `model` into the stored bits, and patches the executor with what
  // reads back differently. Data bits of a tensor draw from stream kData keyed by (seed, trial, tensor name
  // hash): the same positions for every protection of a format (common random numbers); check bits from
  // kCheck. With a `condition`, the critical-bit count is drawn conditioned on it and placed uniformly over
  // all tensors' words (stream kStrata keyed by (seed, trial), so again the same for every protection), the
  // other data bits independently as usual (faults::sample_conditioned). Throws std::invalid_argument when
  // the model cannot be conditioned (faults::conditionable) or the condition has probability 0.
  TrialPatchStats inject(const faults::FaultModel& model, std::uint64_t seed, std::uint64_t trial,
                         std::optional<CriticalCondition> condition = std::nullopt);
  // Words whose critical bit `model` can hit, over all tensors (0 when the count is not Binomial for it):
  // the N of the strata's Binomial(N, rate).
  std::int64_t critical_words(const faults::FaultModel& model) const;
  // Restores the stored bits and the executor's weights to the fault-free state.
  void restore();

  static std::uint64_t tensor_key(const std::string& name);
  // Logits of this configuration are the model's times this factor (1 unless scale@logits); Top-k is
  // unaffected.
  double output_scale() const { return output_scale_; }

 private:
  struct Tensor;
  std::vector<std::unique_ptr<Tensor>> tensors_;
  std::vector<engine::WeightSlot*>
      scaled_biases_;  // like the weights, restored to clean values on destruction
  double output_scale_ = 1;
};

// Weight slots (not biases) chosen by the selection, in executor order: "all"; a weight's exact name; the
// exact name of a node reading weights; else a regex found in a weight's name or a reading node's name. No
// match is an error listing every stored weight with its nodes.
std::vector<engine::WeightSlot*> select_slots(engine::Executor& executor, const std::string& selection);
// The same by weight names only (no graph at hand).
std::vector<engine::WeightSlot*> select_slots(std::vector<std::unique_ptr<engine::WeightSlot>>& slots,
                                              const std::string& selection);

// A targeted fault model must name faulted weights and elements inside them (sampling would otherwise skip
// a misspelt name silently): std::invalid_argument naming the target and the candidates.
void check_fault_targets(const faults::FaultModel& model, const std::vector<engine::WeightSlot*>& slots);

}  // namespace flipguard::campaign
