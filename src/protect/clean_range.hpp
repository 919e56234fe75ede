// The [min, max] of a tensor's fault-free values: the bounds the range guards (ranger, clip-act) read against
// on stored weights.
#pragma once

#include <algorithm>
#include <span>

namespace flipguard::protect {

struct CleanRange {
  float lo = 0, hi = 0;  // [0, 0] for an empty tensor

  explicit CleanRange(std::span<const float> clean) {
    if (clean.empty()) return;
    const auto [mn, mx] = std::minmax_element(clean.begin(), clean.end());
    lo = *mn;
    hi = *mx;
  }
};

}  // namespace flipguard::protect
