#include "faults/sampler.hpp"

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "faults/fault_model_registry.hpp"

namespace flipguard::faults {

namespace {

std::uint64_t region_bits(const SampleRegion& region) {
  if (region.width == 0 || region.width > 64) {
    throw std::invalid_argument("sample_faults: element width " + std::to_string(region.width) +
                                " is outside [1, 64] bits");
  }
  if (region.elements > std::numeric_limits<std::uint64_t>::max() / region.width) {
    throw std::invalid_argument("sample_faults: " + std::to_string(region.elements) + " elements of " +
                                std::to_string(region.width) + " bits overflow a 64-bit bit index");
  }
  return region.elements * region.width;
}

void check_rate(double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument("sample_faults: rate " + std::to_string(p) +
                                " is not a probability in [0, 1]");
  }
}

}  // namespace

FaultMap targeted_flips(const SampleRegion& region, std::span<const ElementBit> positions) {
  const std::uint64_t nbits = region_bits(region);
  std::vector<Fault> faults;
  faults.reserve(positions.size());
  for (const ElementBit& p : positions) {
    if (p.element >= region.elements || p.bit >= region.width) {
      throw std::invalid_argument(
          "targeted flip at element " + std::to_string(p.element) + " bit " + std::to_string(p.bit) +
          " is outside tensor '" + std::string(region.tensor_name) + "' of " +
          std::to_string(region.elements) + " elements x " + std::to_string(region.width) + " bits");
    }
    faults.push_back({p.element * region.width + p.bit, FaultKind::kFlip});
  }
  return FaultMap(nbits, std::move(faults));
}

FaultMap sample_faults(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  (void)region_bits(region);
  // One call through the kind's entry per tensor; the entry's loop runs over faults, not bits.
  const FaultModelType& type = model.type();
  if (type.takes_rate) check_rate(model.rate);
  return type.sample(model, region, key);
}

}  // namespace flipguard::faults
