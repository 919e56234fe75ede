// The model's stored weights in one configuration (format + protection): a ProtectedTensor per faulted
// weight slot of the executor. A trial samples faults into the stored bits, reads back only what they
// touched, patches those elements into the executor and, afterwards, puts everything back. Per trial, the
// work is O(faults), never O(weights).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/weight_slot.hpp"
#include "fault_sites/fault_site.hpp"
#include "faults/fault_model.hpp"
#include "protect/protected_tensor.hpp"

namespace flipguard::fault_sites {

class FaultyWeights final : public SiteFaults {
 public:
  // Stores each of `slots` in `format` behind `protection`, and writes the fault-free read-back into the
  // executor (so BER 0 is this configuration's clean baseline). A protection that rescales biases
  // (scale@logits) keeps the weights scaled and scales the biases: the executor must expose its bias slots.
  FaultyWeights(engine::Executor& executor, std::vector<engine::WeightSlot*> slots, const std::string& format,
                const std::string& protection);
  ~FaultyWeights() override;
  FaultyWeights(const FaultyWeights&) = delete;
  FaultyWeights& operator=(const FaultyWeights&) = delete;

  // Memory overhead of the protection over all faulted tensors (extra stored bits / data bits).
  double memory_overhead() const override;
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
  // The same for a site's draw (its images are not used: weight faults are the same for every image).
  TrialPatchStats inject(const TrialDraw& draw) override;
  // Words whose critical bit `model` can hit, over all tensors (0 when the count is not Binomial for it):
  // the N of the strata's Binomial(N, rate).
  std::int64_t critical_words(const faults::FaultModel& model) const override;
  // Restores the stored bits and the executor's weights to the fault-free state. Every fault was patched in
  // by inject(): nothing more to count.
  TrialPatchStats restore() override;

  static std::uint64_t tensor_key(const std::string& name);
  // Logits of this configuration are the model's times this factor (1 unless scale@logits); Top-k is
  // unaffected.
  double output_scale() const override { return output_scale_; }

 private:
  struct Tensor;
  std::vector<std::unique_ptr<Tensor>> tensors_;
  std::vector<engine::WeightSlot*>
      scaled_biases_;  // like the weights, restored to clean values on destruction
  double output_scale_ = 1;
};

}  // namespace flipguard::fault_sites
