// nanguard, a read guard: NaN and +-Inf read as 0, since a non-finite weight would poison every activation it
// touches.
#include <cmath>
#include <string>

#include "protect/protection_spec.hpp"
#include "protect/protection_type.hpp"
#include "protect/read_guard_values.hpp"

namespace flipguard::protect {
namespace protections {
namespace {

void parse(std::string_view, std::string_view, ProtectionSpec& spec) {
  spec.nan_guard = true;
}

std::string format(const ProtectionSpec& spec) {
  return spec.nan_guard ? "nanguard" : "";
}

class NanGuard final : public ElementwiseLayer<NanGuard> {
 public:
  float read_one(std::size_t, float v) const { return finite_or_zero(v); }
  ProtectionCost cost() const override { return {"nanguard", 0, 0, "1 finiteness test per weight"}; }
};

std::unique_ptr<ValueLayer> make_layer(const ProtectionInput&) {
  return std::make_unique<NanGuard>();
}

}  // namespace

extern constinit const ProtectionType nan_guard{
    .name = "nanguard",
    .title = "NaN guards",
    .syntax = "nanguard",
    .summary = "NaN guard: a NaN or +-Inf read reads as 0",
    .example = "nanguard",
    .stage = ProtectionStage::read_guard,
    .guard_order = 0,  // before clip, which would clamp an Inf to a range end
    .parse = parse,
    .format = format,
    .make_layer = make_layer,
};

}  // namespace protections
}  // namespace flipguard::protect
