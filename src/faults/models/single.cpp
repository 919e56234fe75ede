// single: exactly one bit flip per image, at a uniformly drawn bit of all the selected values together (so a
// value is hit in proportion to its size): PyTorchFI's single-neuron bit-flip injection. The rate is unused.
// A site redrawn per image draws which value and bit (fault_sites/activations/); `sample` places the one flip
// uniformly within a region.
#include "faults/fault_model_registry.hpp"

namespace flipguard::faults {
namespace models {
namespace {

FaultMap sample_single(const FaultModel&, const SampleRegion& region, const RngKey& key) {
  KeyedRng rng(key);
  return FaultMap(region.bits(), {Fault{rng.below(region.bits()), FaultKind::kFlip}});
}

}  // namespace

extern constinit const FaultModelType single{
    .name = "single",
    .summary =
        "exactly one bit flip per image, at a uniformly drawn bit of the selected activation values "
        "(a value in proportion to its size; the rate is unused: the grid takes one BER)",
    .takes_rate = false,
    .example = "single",
    .sample = sample_single,
    .per_bit_fault = std::nullopt,
    .one_per_image = true,
};

}  // namespace models
}  // namespace flipguard::faults
