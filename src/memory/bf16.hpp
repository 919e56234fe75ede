// bfloat16 <-> binary32: the top half of an fp32 word.
#pragma once

#include <bit>
#include <cstdint>

namespace flipguard::memory {

// Round to nearest even on the dropped 16 bits; overflow rounds to Inf; NaN stays NaN (made quiet, sign and
// top payload kept). fp32 subnormals are rounded like any other value, to bf16 subnormals. This is the one
// intentional difference from AVX512-BF16's VCVTNEPS2BF16, which flushes subnormal inputs to signed zero:
// a storage format should not lose values a device's memory could hold.
inline std::uint16_t fp32_to_bf16(float x) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  return static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// Exact widening; Inf and NaN patterns read back as Inf and NaN (bits unchanged).
inline float bf16_to_fp32(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

}  // namespace flipguard::memory
