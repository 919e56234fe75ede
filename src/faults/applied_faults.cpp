#include "faults/applied_faults.hpp"

#include <stdexcept>
#include <string>

namespace flipguard::faults {

std::vector<std::uint64_t> elements_of_bits(std::span<const std::uint64_t> sorted_bits, unsigned width) {
  if (width == 0) throw std::invalid_argument("elements_of_bits: element width must be at least 1 bit");
  std::vector<std::uint64_t> elements;
  elements.reserve(sorted_bits.size());
  for (const std::uint64_t bit : sorted_bits) {
    const std::uint64_t e = bit / width;
    if (elements.empty() || elements.back() != e) elements.push_back(e);
  }
  return elements;
}

void AppliedFaults::undo(memory::BitImage& image) const {
  if (!changed_.empty() && base_ + changed_.back() >= image.size_bits()) {
    throw std::out_of_range("AppliedFaults::undo: changed bit " + std::to_string(base_ + changed_.back()) +
                            " is outside the image of " + std::to_string(image.size_bits()) + " bits");
  }
  // Every recorded bit differs from its original value, so flipping it restores it.
  for (const std::uint64_t bit : changed_) image.flip(base_ + bit);
}

}  // namespace flipguard::faults
