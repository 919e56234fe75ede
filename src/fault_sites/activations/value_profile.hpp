// Each selected value's range on clean calibration images: what int8 storage takes its scale from and what
// ranger and clip-act take their bounds from. Non-finite elements are left out (a clean model has none, but a
// model with a NaN in a clean value would otherwise give no range at all).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/value_hook.hpp"
#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

struct ValueRange {
  float lo = std::numeric_limits<float>::infinity(), hi = -std::numeric_limits<float>::infinity();
  float max_abs() const { return lo <= hi ? std::max(-lo, hi) : 0.0f; }
};

// Runs `executor` over the calibration images, batch by batch, and returns the range of each of `values`
// (in their order). std::invalid_argument when there are no images or the model takes token ids.
std::vector<ValueRange> profile_values(engine::Executor& executor,
                                       const std::vector<engine::WrittenValue>& values,
                                       const Calibration& calibration);

}  // namespace flipguard::fault_sites
