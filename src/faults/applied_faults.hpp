// The record of one application of a FaultMap: which bits it really changed. Undo flips exactly those back,
// and the read path re-decodes only the elements they fall in.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "memory/bit_image.hpp"

namespace flipguard::faults {

// Sorted, unique element indices (bit / width) of a sorted list of bit indices.
std::vector<std::uint64_t> elements_of_bits(std::span<const std::uint64_t> sorted_bits, unsigned width);

// What an application changed: the bits that now differ from the original (sorted). Undo flips them back.
class AppliedFaults {
 public:
  AppliedFaults() = default;
  AppliedFaults(std::uint64_t base, std::vector<std::uint64_t> changed)
      : base_(base), changed_(std::move(changed)) {}

  std::uint64_t base() const { return base_; }
  // Region-relative indices of the bits whose value was changed.
  const std::vector<std::uint64_t>& changed_bits() const { return changed_; }
  // Elements whose stored value differs from the original, for elements of `width` bits starting at the
  // region.
  std::vector<std::uint64_t> changed_elements(unsigned width) const {
    return elements_of_bits(changed_, width);
  }

  // Restores the exact original bits. The image must be the one (or a copy of the one) the faults were
  // applied to.
  void undo(memory::BitImage& image) const;

 private:
  std::uint64_t base_ = 0;
  std::vector<std::uint64_t> changed_;
};

}  // namespace flipguard::faults
