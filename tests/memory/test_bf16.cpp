// BF16 against AVX512-BF16 (VCVTNEPS2BF16 / VCVTPBH2PS) and an independent nearest-value reference.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "memory/bf16.hpp"

namespace flipguard::memory {
namespace {

bool have_bf16() {
  return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512f");
}

__attribute__((target("avx512f,avx512bf16"))) std::uint16_t hw_encode(float x) {
  const __m256bh r = _mm512_cvtneps_pbh(_mm512_set1_ps(x));
  std::uint16_t out[16];
  std::memcpy(out, &r, sizeof out);
  return out[0];
}

__attribute__((target("avx512f,avx512bf16"))) float hw_decode(std::uint16_t b) {
  return _mm_cvtsbh_ss(b);
}

// Value of a bf16 pattern from the field definitions: sign, 8-bit biased exponent, 7-bit mantissa.
double formula_decode(std::uint16_t b) {
  const int s = b >> 15, e = (b >> 7) & 0xFF, m = b & 0x7F;
  const double sign = s ? -1.0 : 1.0;
  if (e == 0xFF)
    return m ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
  if (e == 0) return sign * std::ldexp(m / 128.0, -126);
  return sign * std::ldexp(1.0 + m / 128.0, e - 127);
}

TEST(Bf16, AllPatternsDecodeLikeAvx512Bf16AndTheFieldFormula) {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto p = static_cast<std::uint16_t>(b);
    const float v = bf16_to_fp32(p);
    const double ref = formula_decode(p);
    if (std::isnan(ref)) {
      ASSERT_TRUE(std::isnan(v)) << std::hex << b;
      ASSERT_EQ(std::bit_cast<std::uint32_t>(v) >> 16, b);  // payload and sign kept
    } else {
      ASSERT_EQ(static_cast<double>(v), ref) << "pattern 0x" << std::hex << b;
      ASSERT_EQ(std::signbit(v), std::signbit(ref));
    }
    if (have_bf16()) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(v), std::bit_cast<std::uint32_t>(hw_decode(p))) << std::hex << b;
    }
  }
}

// Nearest bf16 by value, ties to the even pattern, computed with doubles (no bit tricks).
std::uint16_t reference_encode(float x) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  const auto lo = static_cast<std::uint16_t>(u >> 16);  // truncation toward zero
  const auto hi = static_cast<std::uint16_t>(lo + 1);   // next magnitude up (may be Inf)
  const double dl = std::fabs(static_cast<double>(x) - bf16_to_fp32(lo));
  double dh = std::fabs(static_cast<double>(bf16_to_fp32(hi)) - x);
  if ((hi & 0x7FFF) == 0x7F80) dh = std::fabs(0x1p128 - std::fabs(static_cast<double>(x)));  // Inf as 2^128
  if (dl < dh) return lo;
  if (dh < dl) return hi;
  return (lo & 1) ? hi : lo;
}

std::vector<float> inputs() {
  std::vector<float> in;
  for (std::uint32_t b = 0; b < 0x7F80;
       ++b) {  // every finite bf16 and its midpoint neighbourhood, both signs
    const std::uint32_t u = b << 16;
    for (std::uint32_t d : {0u, 0x7FFFu, 0x8000u, 0x8001u, 0x1234u}) {
      in.push_back(std::bit_cast<float>(u | d));
      in.push_back(std::bit_cast<float>(u | d | 0x80000000u));
    }
  }
  std::mt19937 rng(777);
  for (int i = 0; i < 200000; ++i) in.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
  return in;
}

TEST(Bf16, EncodeMatchesVcvtneps2bf16ForNormalsAndNaN) {
  if (!have_bf16()) GTEST_SKIP() << "CPU lacks AVX512-BF16";
  for (const float x : inputs()) {
    // Intentional difference (see bf16.hpp): the instruction flushes fp32 subnormals to zero, we round them.
    if (std::fpclassify(x) == FP_SUBNORMAL) continue;
    ASSERT_EQ(fp32_to_bf16(x), hw_encode(x))
        << "x = " << x << " bits 0x" << std::hex << std::bit_cast<std::uint32_t>(x);
  }
}

TEST(Bf16, EncodeIsNearestEvenIncludingSubnormalsAndOverflow) {
  for (const float x : inputs()) {
    if (std::isnan(x)) continue;
    ASSERT_EQ(fp32_to_bf16(x), reference_encode(x))
        << "x = " << x << " bits 0x" << std::hex << std::bit_cast<std::uint32_t>(x);
  }
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // above the last midpoint: Inf
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x00018000u)), 0x0002);  // subnormal tie rounds to even
}

TEST(Bf16, NaNStaysNaN) {
  for (const std::uint32_t u : {0x7FC00000u, 0x7F800001u, 0xFF800001u, 0x7F80FFFFu, 0x7FFFFFFFu}) {
    const std::uint16_t b = fp32_to_bf16(std::bit_cast<float>(u));
    EXPECT_TRUE(std::isnan(bf16_to_fp32(b))) << std::hex << u;
    EXPECT_EQ(b >> 15, u >> 31);  // sign kept
  }
}

}  // namespace
}  // namespace flipguard::memory
