// One image's faults in one written value: drawn from the trial's key, the value and the image's index in the
// dataset (never from its place in a batch), applied to the stored words of that image's elements.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/value_hook.hpp"
#include "fault_sites/fault_log.hpp"
#include "faults/fault_map.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"

namespace flipguard::fault_sites {

// True for fault models whose faults are drawn anew for every image (rate-driven flips: ber, burst), false
// for those that stay put across the images of a trial (stuck-at bits, targeted flips).
bool redrawn_per_image(const faults::FaultModel& model);

// The value part of the key: a hash of the value's name, stable across runs, machines and selections.
std::uint64_t value_key(const std::string& value);

// What is needed to draw the faults of one value, the same for all its images in a trial.
struct ValueDraw {
  const faults::FaultModel& model;
  std::uint64_t seed = 0, trial = 0;
  const std::string& value;  // its name (targeted models match it)
  std::uint64_t key = 0;     // value_key(value)
  bool per_image = true;     // redrawn_per_image(model)
  memory::Format format;     // the stored words' format (the view's elements already hold its values)
  float scale = 1;           // int8: the value's scale
};

struct ImageFaultCounts {
  std::int64_t flips = 0;    // stored bits the faults changed
  std::int64_t changed = 0;  // elements whose value differs after them (bitwise: a NaN counts)
  // Elements the faults made non-finite or huge (2^65 and beyond: a clean activation is orders of magnitude
  // smaller, and sums of such values overflow to Inf, then Inf - Inf to NaN, within a few layers).
  std::int64_t extreme = 0;
};

// Applies `map` (over the image's words of the value) to row `row` of `view`; each changed word goes to `log`
// when one is given.
ImageFaultCounts apply_fault_map(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& map,
                                 engine::ValueView& view, int row, const FaultLog* log = nullptr);

// The one fault of a one-per-image model (single) on dataset image `image`: which value and which bit of that
// value's words of the image, uniform over all `value_bits` together, so a value is hit in proportion to its
// size.
struct SingleFault {
  std::size_t value = 0;
  std::uint64_t bit = 0;
  double unit = 0;  // uniform in (0, 1): where a random value falls in the model's range
};
SingleFault draw_single_fault(std::uint64_t seed, std::uint64_t trial, std::uint64_t image,
                              std::span<const std::uint64_t> value_bits);

// Stores `value` (in the draw's format: rounded, clamped where the format is bounded) in element `element` of
// row `row` of `view`, as a fault that replaces a whole word (single@value=LO,HI); `log` as above.
ImageFaultCounts apply_random_value(const ValueDraw& draw, std::uint64_t image, std::int64_t element,
                                    double value, engine::ValueView& view, int row,
                                    const FaultLog* log = nullptr);

// Applies to row `row` of `view` the faults of dataset image `image`, in O(faults); each changed word goes
// to `log` when one is given.
ImageFaultCounts apply_image_faults(const ValueDraw& draw, std::uint64_t image, engine::ValueView& view,
                                    int row, const FaultLog* log = nullptr);

}  // namespace flipguard::fault_sites
