// Fixed point Qm.n against independent references: two's complement by integer casts, rounding by exhaustive
// search for the nearest code (ties to the even code).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "memory/format.hpp"

namespace flipguard::memory {
namespace {

struct Q {
  unsigned m, n;
};

double ref_decode(std::uint32_t p, const Q& q) {
  const double raw = (1 + q.m + q.n) == 8 ? static_cast<std::int8_t>(p) : static_cast<std::int16_t>(p);
  return raw / std::pow(2.0, q.n);
}

// Nearest representable value by scanning every code; equal distances pick the even code.
std::uint32_t ref_encode(double x, const Q& q, const std::vector<double>& values) {
  x = std::clamp(x, -1e6, 1e6);  // saturation: an infinite input is nearest to the range end
  std::uint32_t best = 0;
  double bd = std::numeric_limits<double>::infinity();
  for (std::uint32_t p = 0; p < values.size(); ++p) {
    const double d = std::fabs(values[p] - x);
    if (d < bd || (d == bd && (p & 1) == 0 && (best & 1) == 1)) best = p, bd = d;
  }
  (void)q;
  return best;
}

class FixedPointTest : public ::testing::TestWithParam<Q> {};

TEST_P(FixedPointTest, EveryPatternDecodesAsTwosComplement) {
  const Q q = GetParam();
  const Format f = Format::fixed(q.m, q.n);
  for (std::uint32_t p = 0; p < (1u << f.bits()); ++p)
    ASSERT_EQ(f.decode(p), ref_decode(p, q)) << "pattern " << p;
}

TEST_P(FixedPointTest, EncodeIsNearestEvenWithSaturation) {
  const Q q = GetParam();
  const Format f = Format::fixed(q.m, q.n);
  const std::uint32_t codes = 1u << f.bits();
  std::vector<double> values(codes);
  for (std::uint32_t p = 0; p < codes; ++p) values[p] = ref_decode(p, q);
  const double ulp = std::pow(2.0, -static_cast<double>(q.n));
  std::vector<float> in;
  // Around every code for 8 bits, around a spread of codes for 16 bits: the code, the midpoints, and just off
  // them.
  const std::uint32_t step = codes == 256 ? 1 : 97;
  for (std::uint32_t p = 0; p < codes; p += step) {
    const double v = values[p];
    for (double d : {0.0, 0.5, -0.5, 0.25, 0.4999, 0.5001, -0.5001})
      in.push_back(static_cast<float>(v + d * ulp));
  }
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> u(-2.0f * static_cast<float>(values[codes / 2]),
                                          2.0f * static_cast<float>(values[codes / 2 - 1]));
  for (int i = 0; i < 2000; ++i) in.push_back(u(rng));
  for (float v :
       {1e9f, -1e9f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()})
    in.push_back(v);
  for (const float x : in) ASSERT_EQ(f.encode(x), ref_encode(x, q, values)) << "x = " << x;
}

TEST_P(FixedPointTest, SaturatesAtTheRangeEnds) {
  const Q q = GetParam();
  const Format f = Format::fixed(q.m, q.n);
  const double top = std::pow(2.0, q.m) - std::pow(2.0, -static_cast<double>(q.n));
  EXPECT_EQ(f.max_abs(), top);
  EXPECT_EQ(f.decode(f.encode(1e6f)), top);
  EXPECT_EQ(f.decode(f.encode(-1e6f)), -std::pow(2.0, q.m));
  EXPECT_THROW(f.encode(std::numeric_limits<float>::quiet_NaN()), std::invalid_argument);
}

TEST(FixedPoint, WidthsOtherThan8Or16AreRefusedEvenWhenTheSumWouldWrap) {
  EXPECT_THROW(Format::fixed(3, 3), std::invalid_argument);
  EXPECT_THROW(Format::fixed(8, 8), std::invalid_argument);
  // 1 + (2^32 - 1) + 8 wraps to 8 in unsigned arithmetic: still not an 8-bit format.
  try {
    Format::fixed(~0u, 8);
    FAIL() << "accepted q4294967295.8";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("got 4294967304"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, FixedPointTest,
                         ::testing::Values(Q{2, 5}, Q{3, 4}, Q{1, 6}, Q{0, 7}, Q{7, 8}, Q{3, 12}, Q{0, 15}),
                         [](const auto& info) {
                           std::string name(1, 'q');
                           name += std::to_string(info.param.m);
                           name += '_';
                           name += std::to_string(info.param.n);
                           return name;
                         });

}  // namespace
}  // namespace flipguard::memory
