// clip | clip-channel, a read guard: each read is clamped to the [min, max] of the fault-free read, per
// tensor or per output channel (axis 0). NaN is not a number to compare, so it passes through (pair with
// nanguard);
// +-Inf clamps to the range ends.
#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "protect/protection_spec.hpp"
#include "protect/protection_type.hpp"
#include "protect/read_guard_values.hpp"

namespace flipguard::protect {
namespace protections {
namespace {

constexpr std::array<std::string_view, 2> kWords = {"clip", "clip-channel"};

void parse(std::string_view word, std::string_view, ProtectionSpec& spec) {
  spec.clip = word == "clip" ? Granularity::per_tensor : Granularity::per_channel;
}

std::string format(const ProtectionSpec& spec) {
  if (!spec.clip) return "";
  return *spec.clip == Granularity::per_tensor ? "clip" : "clip-channel";
}

class RangeClip final : public ElementwiseLayer<RangeClip> {
 public:
  // Records the range of `clean` (the fault-free read values, so the clip is a no-op without faults).
  RangeClip(std::span<const float> clean, std::size_t channels, Granularity granularity)
      : granularity_(granularity) {
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

  float lo(std::size_t i) const { return lo_[lo_.size() == 1 ? 0 : i / per_]; }
  float hi(std::size_t i) const { return hi_[hi_.size() == 1 ? 0 : i / per_]; }
  float read_one(std::size_t i, float v) const { return clamped_to(v, lo(i), hi(i)); }
  // Block by block: the range of element i is that of block i / per_, without dividing each i.
  void read_all(std::span<float> values) const override {
    for (std::size_t b = 0, i = 0; i < values.size(); ++b) {
      const std::size_t r = lo_.size() == 1 ? 0 : b;
      for (const std::size_t end = std::min(values.size(), i + per_); i < end; ++i)
        values[i] = clamped_to(values[i], lo_[r], hi_[r]);
    }
  }

  ProtectionCost cost() const override {
    return {granularity_ == Granularity::per_tensor ? "clip" : "clip-channel", 0, 64 * lo_.size(),
            "2 comparisons per weight"};
  }

 private:
  Granularity granularity_;
  std::size_t per_ = 1;
  std::vector<float> lo_, hi_;
};

std::unique_ptr<ValueLayer> make_layer(const ProtectionInput& in) {
  const Granularity g = *in.spec.clip;
  return std::make_unique<RangeClip>(in.clean_read, g == Granularity::per_channel ? in.channels : 1, g);
}

}  // namespace

extern constinit const ProtectionType range_clip{
    .name = "clip",
    .title = "clipping",
    .words = kWords,
    .syntax = "clip, clip-channel",
    .summary =
        "range clipping: each read is clamped to the fault-free weights' [min, max], per tensor or per "
        "output channel; NaN passes (pair with nanguard), +-Inf clamps to the range ends",
    .example = "clip-channel",
    .stage = ProtectionStage::read_guard,
    .guard_order = 1,
    .needs_clean_read = true,
    .parse = parse,
    .format = format,
    .make_layer = make_layer,
};

}  // namespace protections
}  // namespace flipguard::protect
