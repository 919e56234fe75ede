#include "protect/weight_scaling.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"

namespace flipguard::protect {

float default_scale_target(const memory::Format& format) {
  switch (format.kind()) {
    case memory::FormatKind::fp32:
      return std::nextafter(2.0f, 0.0f);
    case memory::FormatKind::fp16:
      return memory::fp16_to_fp32(0x3FFF);
    case memory::FormatKind::bf16:
      return memory::bf16_to_fp32(0x3FFF);
    case memory::FormatKind::fixed:
      return format.max_abs();
    case memory::FormatKind::int8:
    case memory::FormatKind::int8_channel:
      return 1.0f;
  }
  return 1.0f;
}

std::vector<float> scaling_factors(std::span<const float> weights, std::size_t channels,
                                   Granularity granularity, float target) {
  if (!(target > 0.0f) || !std::isfinite(target))
    throw std::invalid_argument("weight scaling: target t must be positive and finite, got " +
                                std::to_string(target));
  const std::size_t blocks = granularity == Granularity::per_channel ? channels : 1;
  if (blocks == 0 || weights.size() % blocks != 0)
    throw std::invalid_argument("weight scaling: " + std::to_string(weights.size()) +
                                " weights cannot be split into " + std::to_string(blocks) +
                                " output channels");
  const std::size_t per = blocks ? weights.size() / blocks : 0;
  std::vector<float> c(blocks, 1.0f);
  for (std::size_t b = 0; b < blocks; ++b) {
    float m = 0.0f;
    for (float w : weights.subspan(b * per, per)) {
      if (!std::isfinite(w))
        throw std::invalid_argument("weight scaling: non-finite weight " + std::to_string(w));
      m = std::max(m, std::fabs(w));
    }
    if (m == 0.0f) continue;
    float f = target / m;
    while (f > 0.0f && m * f > target) f = std::nextafter(f, 0.0f);
    c[b] = f;
  }
  return c;
}

}  // namespace flipguard::protect
