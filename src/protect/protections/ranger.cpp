// ranger, a read guard after Ranger (Chen et al., DSN 2021): each value is clamped to the range the
// fault-free model gives it. On stored weights the range is the clean tensor's [min, max] (as clip); on
// activations, each value's [min, max] profiled on calibration images (fault_sites/activations/). NaN passes
// (pair with nanguard); +-Inf clamps to the range ends.
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
  spec.ranger = true;
}

std::string format(const ProtectionSpec& spec) {
  return spec.ranger ? "ranger" : "";
}

class Ranger final : public ElementwiseLayer<Ranger> {
 public:
  explicit Ranger(std::span<const float> clean) : range_(clean) {}
  float read_one(std::size_t, float v) const { return clamped_to(v, range_.lo, range_.hi); }
  ProtectionCost cost() const override { return {"ranger", 0, 64, "2 comparisons per value"}; }

 private:
  CleanRange range_;
};

std::unique_ptr<ValueLayer> make_layer(const ProtectionInput& in) {
  return std::make_unique<Ranger>(in.clean_read);
}

}  // namespace

extern constinit const ProtectionType ranger{
    .name = "ranger",
    .title = "Ranger",
    .syntax = "ranger",
    .summary =
        "Ranger: each value is clamped to its fault-free range (activations: each value's [min, max] "
        "on calibration images; weights: the clean tensor's); NaN passes, +-Inf clamps",
    .example = "ranger",
    .stage = ProtectionStage::read_guard,
    .guard_order = 1,
    .needs_clean_read = true,
    .parse = parse,
    .format = format,
    .make_layer = make_layer,
};

}  // namespace protections
}  // namespace flipguard::protect
