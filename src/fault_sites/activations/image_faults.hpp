// One image's faults in one written value: drawn from the trial's key, the value and the image's index in the
// dataset (never from its place in a batch), applied to the stored words of that image's elements.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "engine/value_hook.hpp"
#include "fault_sites/fault_log.hpp"
#include "faults/fault_map.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"

namespace flipguard::fault_sites {

struct ValueEcc;

// True for fault models whose faults are drawn anew for every image (rate-driven flips: ber, burst), false
// for those that stay put across the images of a trial (stuck-at bits, targeted flips).
bool redrawn_per_image(const faults::FaultModel& model);

// The value part of the key: a hash of the value's name, stable across runs, machines and selections.
std::uint64_t value_key(const std::string& value);

// What is needed to draw the faults of one value, the same for all its images in a trial.
struct ValueDraw {
  const faults::FaultModel& model;
  std::uint64_t seed = 0, trial = 0;
  const std::string& value;       // its name (targeted models match it)
  std::uint64_t key = 0;          // value_key(value)
  bool per_image = true;          // redrawn_per_image(model)
  memory::Format format;          // the stored words' format (the view's elements already hold its values)
  float scale = 1;                // int8: the value's scale
  const ValueEcc* ecc = nullptr;  // SECDED over the words (value_ecc.hpp), or none
};

// A value a fault made non-finite or huge (2^65 and beyond), decided on the bits: comparing a NaN would raise
// the invalid-operation flag the executor watches for NaNs its fast kernels swallow.
inline bool is_extreme(float v) {
  return (std::bit_cast<std::uint32_t>(v) >> 23 & 0xFFu) > 127 + 64;
}

struct ImageFaultCounts {
  std::int64_t flips = 0;    // stored bits the faults changed
  std::int64_t changed = 0;  // elements whose value differs after them (bitwise: a NaN counts)
  // Elements the faults made non-finite or huge (2^65 and beyond: a clean activation is orders of magnitude
  // smaller, and sums of such values overflow to Inf, then Inf - Inf to NaN, within a few layers).
  std::int64_t extreme = 0;
  std::int64_t corrected = 0, detected = 0;  // ECC: codewords the decoder corrected, and reported
};

// Applies `map` (over the image's words of the value, data bits only: no ECC) to row `row` of `view`; each
// changed word goes to `log` when one is given.
// The same through the draw's ECC when it has one (the check bits untouched): faults placed by name.
ImageFaultCounts apply_data_faults(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& map,
                                   engine::ValueView& view, int row, const FaultLog* log = nullptr);
ImageFaultCounts apply_fault_map(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& map,
                                 engine::ValueView& view, int row, const FaultLog* log = nullptr);

// The one fault of a one-per-image model (single) on dataset image `image`: which value and which bit of that
// value's stored bits of the image, uniform over all `value_bits` together, so a value is hit in proportion
// to its size. Under ECC a value's stored bits are its data bits, then its check bits.
struct SingleFault {
  std::size_t value = 0;
  std::uint64_t bit = 0;
  // Uniform in (0, 1): where a random value falls in the model's range, and which element of the value holds
  // it (single@value replaces a data word: the element is drawn over the data words alone).
  double unit = 0, element_unit = 0;
};
SingleFault draw_single_fault(std::uint64_t seed, std::uint64_t trial, std::uint64_t image,
                              std::span<const std::uint64_t> value_bits);

// Stores `value` (in the draw's format: rounded, clamped where the format is bounded) in element `element` of
// row `row` of `view`, as a fault that replaces a whole word (single@value=LO,HI): under ECC, the bits that
// differ are data-bit errors of the element's codeword, which the decoder corrects, detects or miscorrects;
// `log` as above.
ImageFaultCounts apply_random_value(const ValueDraw& draw, std::uint64_t image, std::int64_t element,
                                    double value, engine::ValueView& view, int row,
                                    const FaultLog* log = nullptr);

// Applies to row `row` of `view` the faults of dataset image `image`, in O(faults); each changed word goes
// to `log` when one is given.
// Flips bit `bit` of the stored bits of dataset image `image` in row `row` of `view`: its words' bits, then
// under ECC its check bits (ValueEcc::check_bits).
ImageFaultCounts apply_single_fault(const ValueDraw& draw, std::uint64_t image, std::uint64_t bit,
                                    engine::ValueView& view, int row, const FaultLog* log = nullptr);

// The faults of dataset image `image` on a value of `elements` elements per image: on its data bits (elements
// x the format's width) and, under ECC, on its check bits (one-bit elements of a region of their own, drawn
// from their own stream, so the data bits take the same faults as without ECC; none under a bit mask, which
// names bits of the words). `check` is empty without ECC.
struct ImageFaultMaps {
  faults::FaultMap data, check;
};
ImageFaultMaps draw_image_faults(const ValueDraw& draw, std::uint64_t image, std::int64_t elements);

// Applies to row `row` of `view` the faults of dataset image `image` (draw_image_faults), in O(faults); each
// changed word goes to `log` when one is given.
ImageFaultCounts apply_image_faults(const ValueDraw& draw, std::uint64_t image, engine::ValueView& view,
                                    int row, const FaultLog* log = nullptr);

}  // namespace flipguard::fault_sites
