#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "protect/flip_table.hpp"

namespace flipguard::protect {
namespace {

TEST(FlipTable, Q25ErrorsArePowersOfTwoDividedByC) {
  const FlipTable t = build_flip_table(memory::Format::fixed(2, 5), 0.3f);  // max_abs defaults to |value|
  EXPECT_EQ(t.max_abs, 0.3f);
  EXPECT_EQ(t.plain_pattern, 10u);  // round(0.3 * 32) = round(9.6)
  EXPECT_EQ(t.plain_read, 10.0f / 32);
  const double c = t.factor;
  EXPECT_NEAR(c, 3.96875 / 0.3, 1e-5);
  ASSERT_EQ(t.rows.size(), 8u);
  EXPECT_EQ(t.rows.front().bit, 7u);  // most significant first
  EXPECT_EQ(t.rows.front().role, memory::BitRole::sign);
  double mean = 0;
  for (const FlipRow& r : t.rows) {
    // Two's complement: flipping bit b moves the integer by 2^b, i.e. the value by 2^(b-5).
    const double step = std::ldexp(1.0, static_cast<int>(r.bit) - 5);
    EXPECT_DOUBLE_EQ(r.plain_error, step) << "bit " << r.bit;
    EXPECT_NEAR(r.scaled_error, step / c, 1e-6 * step) << "bit " << r.bit;
    mean += step / 8;
  }
  EXPECT_DOUBLE_EQ(t.plain_mean, mean);
  EXPECT_NEAR(t.scaled_mean, mean / c, 1e-6);
  EXPECT_DOUBLE_EQ(t.plain_max, 4.0);
  EXPECT_EQ(grouped_bits(t.format, t.plain_pattern), "0|00|01010");
  EXPECT_EQ(grouped_bits(memory::Format::fp16(), 0x3C00), "0|01111|0000000000");
}

TEST(FlipTable, Fp32ScaledNonTopExponentFlipsStayUnderTwoOverC) {
  const FlipTable t = build_flip_table(memory::Format::fp32(), 0.05f, 0.3f);
  for (const FlipRow& r : t.rows) {
    if (r.role == memory::BitRole::sign) continue;
    if (r.role == memory::BitRole::exponent && r.field_msb) {
      EXPECT_FALSE(r.scaled_error < 1e30) << "exponent MSB";
      continue;
    }
    EXPECT_LT(r.scaled_error, 2.0 / t.factor) << "bit " << r.bit;
  }
  EXPECT_GT(t.scaled_max, 1e30);  // the exponent MSB: 0.33 becomes about 2^126
}

TEST(FlipTable, Int8ScalingIsANoOp) {
  const FlipTable t = build_flip_table(memory::Format::int8(), 0.1f, 0.4f);
  EXPECT_FLOAT_EQ(t.int8_scale, 0.4f / 127);
  EXPECT_EQ(t.factor, 1.0f);
  for (const FlipRow& r : t.rows) EXPECT_EQ(r.plain_read, r.scaled_read);
  EXPECT_NE(render_flip_table(t).find("no-op"), std::string::npos);
}

TEST(FlipTable, NoScaleAndBadInput) {
  const FlipTable t = build_flip_table(memory::Format::fixed(2, 5), 0.3f, std::nullopt, std::nullopt, false);
  EXPECT_EQ(t.factor, 1.0f);
  EXPECT_EQ(render_flip_table(t).find("scaled"), std::string::npos);
  EXPECT_THROW(build_flip_table(memory::Format::fp16(), 0.5f, 0.1f),
               std::invalid_argument);  // max-abs < |value|
  EXPECT_THROW(build_flip_table(memory::Format::fp16(), std::numeric_limits<float>::quiet_NaN()),
               std::invalid_argument);
  EXPECT_THROW(build_flip_table(memory::Format::fp16(), 0.5f, 1.0f, -2.0f), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::protect
