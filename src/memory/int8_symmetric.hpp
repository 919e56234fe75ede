// Symmetric INT8 quantisation: w ~ q * scale, q in [-127, 127], scale = max|w| / 127 kept as FP32 metadata.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace flipguard::memory {

// The scale making the largest magnitude land on 127. An all-zero block gets scale 1 so that a flipped bit
// still reads as the integer it became (scale 0 would hide every fault).
inline float int8_scale_for(std::span<const float> values) {
  float m = 0.0f;
  for (float v : values) {
    if (!std::isfinite(v))
      throw std::invalid_argument("int8 quantisation: non-finite weight " + std::to_string(v));
    m = std::max(m, std::fabs(v));
  }
  return m > 0.0f ? m / 127.0f : 1.0f;
}

// Round x/scale (computed in double) to nearest even and clamp to [-127, 127]; -128 is never written.
inline std::uint32_t int8_encode(float x, float scale) {
  if (std::isnan(x)) throw std::invalid_argument("int8: cannot encode NaN");
  if (!(scale > 0.0f) || !std::isfinite(scale))
    throw std::invalid_argument("int8: scale must be positive and finite, got " + std::to_string(scale));
  const double v = static_cast<double>(x) / scale;
  std::int32_t q;
  if (v >= 127.0) {
    q = 127;
  } else if (v <= -127.0) {
    q = -127;
  } else {
    const double f = std::floor(v), d = v - f;
    q = static_cast<std::int32_t>(f);
    if (d > 0.5 || (d == 0.5 && (q & 1))) ++q;
  }
  return static_cast<std::uint32_t>(q) & 0xFFu;
}

// Two's complement read. The pattern 0x80, which the encoder never writes but a fault can create, reads as
// -128 * scale, just as an int8 multiply-accumulate unit would use it.
inline float int8_decode(std::uint32_t pattern, float scale) {
  return static_cast<float>(static_cast<std::int8_t>(pattern & 0xFFu)) * scale;
}

}  // namespace flipguard::memory
