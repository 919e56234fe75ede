// IEEE 754 binary16 <-> binary32, bit-exact with x86 F16C (VCVTPS2PH with round-to-nearest-even, VCVTPH2PS).
#pragma once

#include <bit>
#include <cstdint>

namespace flipguard::memory {

// Round to nearest even; overflow (|x| >= 65520) gives Inf; results below 2^-14 become subnormals (no flush).
// NaN keeps its sign and the top 10 payload bits, and is made quiet, exactly like F16C.
inline std::uint16_t fp32_to_fp16(float x) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t a = u & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) {
    if (a == 0x7F800000u) return sign | 0x7C00u;
    return static_cast<std::uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
  }
  if (a >= 0x477FF000u) return sign | 0x7C00u;  // 65520 is the midpoint above 65504; ties go to the even Inf
  if (a < 0x38800000u) {                        // below 2^-14: subnormal result in units of 2^-24
    const std::uint32_t e = a >> 23;
    const std::uint32_t shift = 126 - e;  // value = m * 2^(e-150) = (m >> shift) units of 2^-24
    if (shift > 24) return sign;          // below 2^-25 (the tie at 2^-25 itself rounds to even 0 below)
    const std::uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
    std::uint32_t r = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<std::uint16_t>(sign | r);
  }
  std::uint32_t h = (a - 0x38000000u) >> 13;  // rebias 127 -> 15 and drop 13 mantissa bits
  const std::uint32_t rem = a & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is the right answer
  return static_cast<std::uint16_t>(sign | h);
}

// Exact widening. An Inf pattern reads as Inf and a NaN pattern as a quiet NaN with the same payload, as
// hardware does: catching those is the job of a read guard, not of the format.
inline float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e == 0) {
    const float mag = static_cast<float>(m) * 0x1p-24f;  // exact: m < 2^10
    return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(mag));
  }
  return std::bit_cast<float>(sign | ((e + 112) << 23) | (m << 13));
}

}  // namespace flipguard::memory
