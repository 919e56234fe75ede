#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "memory/int8_symmetric.hpp"

namespace flipguard::memory {
namespace {

TEST(Int8, ScaleMapsLargestMagnitudeTo127) {
  const std::vector<float> w{0.1f, -0.5f, 0.25f};
  const float s = int8_scale_for(w);
  EXPECT_FLOAT_EQ(s, 0.5f / 127.0f);
  EXPECT_EQ(int8_encode(-0.5f, s), static_cast<std::uint32_t>(static_cast<std::uint8_t>(-127)));
  EXPECT_EQ(int8_encode(0.5f, s), 127u);
  EXPECT_EQ(int8_scale_for(std::vector<float>{0.0f, 0.0f}), 1.0f);
  EXPECT_THROW(int8_scale_for(std::vector<float>{std::numeric_limits<float>::infinity()}),
               std::invalid_argument);
}

TEST(Int8, EncodeIsNearestEvenAndClamps) {
  const float s = 0.01f;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-140.0, 140.0);
  for (int i = 0; i < 20000; ++i) {
    const double q = i < 600 ? (i - 300) * 0.5 : u(rng);  // all the half-integer ties, then random points
    const float x = static_cast<float>(q * s);
    const double v = static_cast<double>(x) / s;
    // Reference: nearest integer by comparing both neighbours, ties to even, then clamp.
    const double lo = std::floor(v), hi = lo + 1;
    double r = (v - lo < hi - v) ? lo : (hi - v < v - lo) ? hi : (std::fmod(lo, 2.0) == 0 ? lo : hi);
    r = std::min(127.0, std::max(-127.0, r));
    ASSERT_EQ(static_cast<std::int8_t>(int8_encode(x, s)), static_cast<int>(r)) << "x = " << x;
  }
}

TEST(Int8, EveryPatternDecodesAsSignedTimesScale) {
  const float s = 0.003f;
  for (std::uint32_t p = 0; p < 256; ++p)
    ASSERT_EQ(int8_decode(p, s), static_cast<float>(static_cast<int>(p) - (p >= 128 ? 256 : 0)) * s);
  EXPECT_EQ(int8_decode(0x80, s), -128.0f * s);  // never written, but a flip can create it
}

}  // namespace
}  // namespace flipguard::memory
