// The values nodes write while the model runs (feature maps, attention scores, logits): transient upsets
// drawn anew for every image, or stuck bits the same for every image of a trial, applied by a hook right
// after a value is written (fault_sites/activations/).
#include "fault_sites/activations/value_selection.hpp"
#include "fault_sites/activations/value_site.hpp"
#include "fault_sites/fault_site_registry.hpp"

namespace flipguard::fault_sites::sites {
namespace {

std::unique_ptr<FaultSite> select_activations(engine::Executor& executor, const std::string& selection) {
  return std::make_unique<ValueSite>(executor, select_values(executor.written_values(), selection));
}

}  // namespace

extern const FaultSiteType activations;
const FaultSiteType activations{
    .name = "activations",
    .summary =
        "the values nodes write (after fused activations), stored in the cell's format (int8: one scale per "
        "value from calibration images); ber and burst faults are drawn anew for every image, stuck-at bits "
        "stay for the whole trial",
    .redraw = Redraw::kPerInference,
    // Activations are stored in fp32 unless asked otherwise; Ranger is the range protection the field
    // compares with (the weights' scaling does not apply to them).
    .default_formats = "fp32",
    .default_protections = "none,ranger",
    .patches_before_run = false,
    .needs_calibration = activations_need_calibration,
    .expose = nullptr,
    .select = select_activations,
};

}  // namespace flipguard::fault_sites::sites
