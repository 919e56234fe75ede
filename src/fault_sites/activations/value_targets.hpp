// Targeted flips on activations (target@VALUE,IMAGE,C,H,W,BIT): each target names a selected value, the
// dataset image whose part of the value it hits, the element there (its coordinates after the batch dim,
// or its flat index in the image) and the bit of the element's stored word. A target hits that image in
// every trial and every run that evaluates it, and no other image.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/value_hook.hpp"
#include "faults/fault_model.hpp"

namespace flipguard::fault_sites {

struct ValueTarget {
  std::size_t value = 0;      // index into the selected values
  std::uint64_t image = 0;    // the image's index in the dataset
  std::uint64_t element = 0;  // flat, row-major index within the image's elements of the value
  unsigned bit = 0;
};

// The targets of `model` on `values`, in the model's order. std::invalid_argument naming the target when it
// names no selected value (listing them), gives coordinates that do not fit the value's dims, or a bit past
// `word_bits` (0: not checked yet), or names the same bit twice. With `others_allowed`, targets naming no
// value of `values` are left out instead.
std::vector<ValueTarget> resolve_value_targets(const faults::FaultModel& model,
                                               std::span<const engine::WrittenValue> values,
                                               unsigned word_bits = 0, bool others_allowed = false);

}  // namespace flipguard::fault_sites
