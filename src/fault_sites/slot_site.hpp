// A fault site over stored tensors the executor exposes as weight slots: its targets are the slots a site
// chose, each configuration stores them in a format behind a protection (FaultyWeights), and trials patch
// the executor's slots. The stored-weights site is one; a site over other stored tensors (biases,
// normalisation scales) needs only its own choice of slots.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/weight_slot.hpp"
#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

class SlotSite final : public FaultSite {
 public:
  // `slots` are the executor's, in executor order.
  SlotSite(engine::Executor& executor, std::vector<engine::WeightSlot*> slots);

  std::vector<std::string> targets() const override;
  void check_targets(const faults::FaultModel& model) const override;
  int first_faulted_cut() const override;
  std::vector<std::int64_t> stored_sizes() const override;
  std::int64_t critical_words(const faults::FaultModel& model, const memory::Format& format) const override;
  std::unique_ptr<SiteFaults> configure(const std::string& format, const std::string& protection) override;
  std::unique_ptr<FaultSite> only(std::size_t target) override;

  const std::vector<engine::WeightSlot*>& slots() const { return slots_; }

 private:
  engine::Executor& executor_;
  std::vector<engine::WeightSlot*> slots_;
};

}  // namespace flipguard::fault_sites
