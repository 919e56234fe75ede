// The model's stored weights in one configuration (format + protection): a ProtectedTensor per faulted
// weight slot of the executor. A trial samples faults into the stored bits, reads back only what they
// touched, patches those elements into the executor and, afterwards, puts everything back. Per trial, the
// work is O(faults), never O(weights).
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/weight_slot.hpp"
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
  // kCheck.
  TrialPatchStats inject(const faults::FaultModel& model, std::uint64_t seed, std::uint64_t trial);
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

// Weight slots (not biases) whose names match the selection ("all" or a regex), in executor order; error if
// none match.
std::vector<engine::WeightSlot*> select_slots(std::vector<std::unique_ptr<engine::WeightSlot>>& slots,
                                              const std::string& selection);

}  // namespace flipguard::campaign
