// clip-act, a read guard after FT-ClipAct (Hoang et al., DATE 2020): a value outside the range the fault-free
// model gives it is taken for a fault and reads as 0 (where ranger would clamp it). On activations the range
// is each value's [min, max] on calibration images; on stored weights the clean tensor's. NaN reads as 0.
#include <algorithm>
#include <cmath>
#include <string>

#include "protect/protection_spec.hpp"
#include "protect/protection_type.hpp"
#include "protect/read_guard_values.hpp"

namespace flipguard::protect {
namespace protections {
namespace {

void parse(std::string_view, std::string_view, ProtectionSpec& spec) {
  spec.clip_act = true;
}

std::string format(const ProtectionSpec& spec) {
  return spec.clip_act ? "clip-act" : "";
}

class ClipAct final : public ElementwiseLayer<ClipAct> {
 public:
  explicit ClipAct(std::span<const float> clean) : range_(clean) {}
  float read_one(std::size_t, float v) const { return zero_outside(v, range_.lo, range_.hi); }
  ProtectionCost cost() const override { return {"clip-act", 0, 64, "2 comparisons per value"}; }

 private:
  CleanRange range_;
};

std::unique_ptr<ValueLayer> make_layer(const ProtectionInput& in) {
  return std::make_unique<ClipAct>(in.clean_read);
}

}  // namespace

extern constinit const ProtectionType clip_act{
    .name = "clip-act",
    .title = "FT-ClipAct",
    .syntax = "clip-act",
    .summary =
        "FT-ClipAct: a value outside its fault-free range reads as 0 (activations: each value's "
        "[min, max] on calibration images; weights: the clean tensor's); NaN reads as 0",
    .example = "clip-act",
    .stage = ProtectionStage::read_guard,
    .guard_order = 2,
    .needs_clean_read = true,
    .parse = parse,
    .format = format,
    .make_layer = make_layer,
};

}  // namespace protections
}  // namespace flipguard::protect
