// Draws one trial's FaultMap for one tensor's stored bits from a FaultModel. The map is a pure function of
// (model, region, key), so any order of tensors, threads or ranks gives the same maps, and the cost is
// O(number of faults), never a draw per bit.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "faults/fault_map.hpp"
#include "faults/fault_model.hpp"
#include "faults/rng.hpp"

namespace flipguard::faults {

// The stored bits of one tensor: `elements` values of `width` bits each, element i at bits [i*width,
// (i+1)*width).
struct SampleRegion {
  std::uint64_t elements = 0;
  unsigned width = 0;
  std::string_view tensor_name = {};  // matched by targeted models (as is the numeric key.tensor)

  std::uint64_t bits() const { return elements * width; }
};

// Samples the faults of `model` on `region` for the trial identified by `key`, by the sampler of the model's
// kind (fault_model_registry.hpp). Targeted flips are data-bit faults: they apply only on Stream::kData.
// Throws std::invalid_argument when the model does not fit the region (a bit position >= width, a target
// element out of range) or the region is empty of width or too large.
FaultMap sample_faults(const FaultModel& model, const SampleRegion& region, const RngKey& key);

struct ElementBit {
  std::uint64_t element = 0;
  unsigned bit = 0;
};

// Deterministic flips at the given (element, bit) positions of `region`; duplicates are an error.
FaultMap targeted_flips(const SampleRegion& region, std::span<const ElementBit> positions);

}  // namespace flipguard::faults
