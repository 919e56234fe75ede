// Read-time guards: cheap checks applied to each weight as it is read, after format decode and unscaling.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::protect {

// NaN and +-Inf read as 0: a non-finite weight would poison every activation it touches.
struct NanGuard {
  float operator()(float v) const { return std::isfinite(v) ? v : 0.0f; }
};

// Clamp to the [min, max] seen at write time, per tensor or per output channel (axis 0). NaN is not a
// number to compare, so it passes through (pair with NanGuard); +-Inf clamps to the range ends.
class RangeClip {
 public:
  RangeClip() = default;
  // Records the range of `clean` (the fault-free read values, so the clip is a no-op without faults).
  RangeClip(std::span<const float> clean, std::size_t channels) {
    if (channels == 0 || clean.size() % channels != 0)
      throw std::invalid_argument("clip: " + std::to_string(clean.size()) + " weights cannot be split into " +
                                  std::to_string(channels) + " output channels");
    per_ = std::max<std::size_t>(1, clean.size() / channels);
    lo_.assign(channels, 0.0f);
    hi_.assign(channels, 0.0f);
    for (std::size_t c = 0; c < channels && !clean.empty(); ++c) {
      const auto [mn, mx] = std::minmax_element(clean.begin() + c * per_, clean.begin() + (c + 1) * per_);
      lo_[c] = *mn;
      hi_[c] = *mx;
    }
  }

  std::size_t ranges() const { return lo_.size(); }
  float lo(std::size_t i) const { return lo_[lo_.size() == 1 ? 0 : i / per_]; }
  float hi(std::size_t i) const { return hi_[hi_.size() == 1 ? 0 : i / per_]; }
  // The value read for element i.
  float operator()(std::size_t i, float v) const { return std::isnan(v) ? v : std::clamp(v, lo(i), hi(i)); }

 private:
  std::size_t per_ = 1;
  std::vector<float> lo_, hi_;
};

}  // namespace flipguard::protect
