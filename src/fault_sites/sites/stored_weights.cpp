// The model's stored weights (Conv, Gemm and MatMul weights, embedding tables; biases are not faulted):
// faults drawn once per trial into each selected tensor's stored bits, patched into the executor's weight
// slots before the trial's inferences and restored after them.
#include "fault_sites/fault_site_registry.hpp"
#include "fault_sites/slot_selection.hpp"
#include "fault_sites/slot_site.hpp"

namespace flipguard::fault_sites::sites {
namespace {

std::unique_ptr<FaultSite> select_weights(engine::Executor& executor, const std::string& selection) {
  return std::make_unique<SlotSite>(executor, select_slots(executor, selection));
}

}  // namespace

extern const FaultSiteType stored_weights;
const FaultSiteType stored_weights{
    .name = "weights",
    .summary = "the model's stored weights: Conv, Gemm and MatMul weights and embedding tables, not biases",
    .redraw = Redraw::kPerTrial,
    .patches_before_run = true,
    .expose = nullptr,  // the executor's default slots are the weights
    .select = select_weights,
};

}  // namespace flipguard::fault_sites::sites
