// The `tensors` selection grammar over the executor's stored weights, and the check that a targeted fault
// model names what is faulted.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/weight_slot.hpp"
#include "faults/fault_model.hpp"

namespace flipguard::fault_sites {

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

}  // namespace flipguard::fault_sites
