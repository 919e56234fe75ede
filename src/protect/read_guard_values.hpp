// What each read guard does to one value: the single definition behind the guards on stored weights
// (protections/nanguard.cpp, clip.cpp, ranger.cpp, clip_act.cpp) and on activations
// (fault_sites/activations/activation_faults.cpp), so the two sites cannot come to mean different things
// by the same token. Branch-free selects, so loops over them vectorise.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>

namespace flipguard::protect {

// nanguard: NaN and +-Inf read as 0 (a test of the exponent bits).
inline float finite_or_zero(float v) {
  return (std::bit_cast<std::uint32_t>(v) & 0x7F800000u) != 0x7F800000u ? v : 0.0f;
}

// clip, ranger: clamped to [lo, hi]; a NaN is not a number to compare, so it passes (pair with nanguard).
inline float clamped_to(float v, float lo, float hi) {
  return std::isnan(v) ? v : std::clamp(v, lo, hi);
}

// clip-act: a value outside [lo, hi] is taken for a fault and reads as 0; so does a NaN.
inline float zero_outside(float v, float lo, float hi) {
  return v >= lo && v <= hi ? v : 0.0f;
}

// The [min, max] of a tensor's fault-free values: the bounds the range guards read against on stored
// weights ([0, 0] for an empty tensor).
struct CleanRange {
  float lo = 0, hi = 0;

  explicit CleanRange(std::span<const float> clean) {
    if (clean.empty()) return;
    const auto [mn, mx] = std::minmax_element(clean.begin(), clean.end());
    lo = *mn;
    hi = *mx;
  }
};

}  // namespace flipguard::protect
