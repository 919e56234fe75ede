// FP16 against the CPU's own F16C conversions, bit for bit.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "memory/fp16.hpp"

namespace flipguard::memory {
namespace {

__attribute__((target("f16c"))) float hw_decode(std::uint16_t h) {
  return _cvtsh_ss(h);
}
__attribute__((target("f16c"))) std::uint16_t hw_encode(float x) {
  return static_cast<std::uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

bool have_f16c() {
  return __builtin_cpu_supports("f16c");
}

TEST(Fp16, AllPatternsDecodeLikeF16C) {
  if (!have_f16c()) GTEST_SKIP() << "CPU lacks F16C";
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto p = static_cast<std::uint16_t>(h);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(fp16_to_fp32(p)), std::bit_cast<std::uint32_t>(hw_decode(p)))
        << "pattern 0x" << std::hex << h;
  }
}

std::vector<float> encode_inputs() {
  std::vector<float> in;
  // Every fp16 value, every midpoint between neighbours, and the fp32 neighbours of each midpoint.
  for (std::uint32_t h = 0; h < 0x7C00; ++h) {
    const float a = fp16_to_fp32(static_cast<std::uint16_t>(h));
    const float b = fp16_to_fp32(static_cast<std::uint16_t>(h + 1));
    const float mid = static_cast<float>((static_cast<double>(a) + b) / 2);  // exact: 11-bit significands
    for (float v : {a, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      in.push_back(v);
      in.push_back(-v);
    }
  }
  const float special[] = {std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::signaling_NaN(),
                           65504.0f,
                           65519.996f,
                           65520.0f,
                           1e10f,
                           std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::denorm_min(),
                           1e-8f,
                           0x1p-25f,
                           0x1p-24f,
                           0x1.8p-25f,
                           0x1p-26f};
  for (float v : special) {
    in.push_back(v);
    in.push_back(-v);
  }
  std::mt19937 rng(12345);  // random bit patterns cover every exponent, NaN payloads included
  for (int i = 0; i < 200000; ++i) in.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
  return in;
}

TEST(Fp16, EncodeMatchesF16CRoundToNearestEven) {
  if (!have_f16c()) GTEST_SKIP() << "CPU lacks F16C";
  for (const float x : encode_inputs())
    ASSERT_EQ(fp32_to_fp16(x), hw_encode(x))
        << "x = " << x << " bits 0x" << std::hex << std::bit_cast<std::uint32_t>(x);
}

TEST(Fp16, BoundaryBehaviourIndependentOfHardware) {
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);  // the tie above the largest finite value rounds to even: Inf
  EXPECT_EQ(fp32_to_fp16(0x1p-24f), 0x0001);  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);  // tie between 0 and 2^-24 goes to the even 0
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0xFC00)) && fp16_to_fp32(0xFC00) < 0);
}

}  // namespace
}  // namespace flipguard::memory
