#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <string>

#include "memory/format.hpp"

namespace flipguard::memory {
namespace {

TEST(Format, ParsesEveryValidSpellingAndRoundTripsItsName) {
  for (const char* s :
       {"fp32", "fp16", "bf16", "q2.5", "q3.4", "q1.6", "q0.7", "q7.8", "q3.12", "int8", "int8-channel"}) {
    const Format f = Format::parse(s);
    EXPECT_EQ(f.name(), s);
    EXPECT_EQ(Format::parse(f.name()), f);
  }
  EXPECT_EQ(Format::parse("FP16"), Format::fp16());
  EXPECT_EQ(Format::parse("Q2.5"), Format::fixed(2, 5));
}

TEST(Format, BadStringsNameThemselvesAndTheValidOnes) {
  for (const char* s : {"fp8", "", "q2", "q.5", "q2.x", "int4", "q2.5x", "q-1.8"}) {
    try {
      Format::parse(s);
      FAIL() << "accepted '" << s << "'";
    } catch (const std::invalid_argument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(std::string("'") + s + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("fp16"), std::string::npos) << msg;
    }
  }
  try {
    Format::parse("q3.3");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("8 or 16"), std::string::npos) << e.what();
  }
}

TEST(Format, BitsAndMaxMagnitude) {
  EXPECT_EQ(Format::fp32().bits(), 32u);
  EXPECT_EQ(Format::fp16().bits(), 16u);
  EXPECT_EQ(Format::bf16().bits(), 16u);
  EXPECT_EQ(Format::fixed(2, 5).bits(), 8u);
  EXPECT_EQ(Format::fixed(7, 8).bits(), 16u);
  EXPECT_EQ(Format::int8(true).bits(), 8u);
  EXPECT_EQ(Format::fp16().max_abs(), 65504.0f);
  EXPECT_EQ(Format::bf16().max_abs(), std::ldexp(255.0f / 128.0f, 127));  // 1.1111111b * 2^127
  EXPECT_EQ(Format::fixed(2, 5).max_abs(), 127.0f / 32.0f);
  EXPECT_EQ(Format::fixed(7, 8).max_abs(), 32767.0f / 256.0f);
  // Encoding the largest value and decoding it gives it back, and nothing larger is finite.
  for (const Format& f : {Format::fp16(), Format::bf16(), Format::fixed(3, 4)}) {
    EXPECT_EQ(f.decode(f.encode(f.max_abs())), f.max_abs()) << f.name();
    EXPECT_FALSE(std::isfinite(f.decode(f.encode(f.max_abs() * 2))) &&
                 f.decode(f.encode(f.max_abs() * 2)) > f.max_abs());
  }
}

TEST(Format, LayoutCoversEveryBitOnceWithTheRightRoles) {
  for (const char* s : {"fp32", "fp16", "bf16", "q2.5", "q0.7", "q7.8", "int8"}) {
    const Format f = Format::parse(s);
    std::set<unsigned> seen;
    for (const BitField& fld : f.layout())
      for (unsigned b = fld.lo; b <= fld.hi; ++b) EXPECT_TRUE(seen.insert(b).second) << s << " bit " << b;
    EXPECT_EQ(seen.size(), f.bits()) << s;
    EXPECT_EQ(f.role_of(f.bits() - 1), BitRole::sign) << s;
    EXPECT_THROW(f.role_of(f.bits()), std::out_of_range);
  }
  // Roles agree with what a flip does: a float exponent flip changes the value by a power of two factor.
  const Format h = Format::fp16();
  EXPECT_EQ(h.role_of(10), BitRole::exponent);
  EXPECT_EQ(h.role_of(9), BitRole::mantissa);
  EXPECT_EQ(h.decode(h.encode(1.5f) ^ (1u << 10)), 0.75f);
  const Format q = Format::fixed(2, 5);
  EXPECT_EQ(q.role_of(5), BitRole::integer);
  EXPECT_EQ(q.role_of(4), BitRole::fraction);
  EXPECT_EQ(q.decode(q.encode(0.5f) ^ (1u << 5)), 1.5f);
  EXPECT_EQ(Format::bf16().role_of(7), BitRole::exponent);
  EXPECT_EQ(Format::bf16().role_of(6), BitRole::mantissa);
}

// The critical bit is derived from the definition, not listed: for stored weights below 2 in magnitude its
// flip must give the largest read error of all bits, for every format.
TEST(Format, CriticalBitIsTheMostDamagingFlipForWeightsBelowTwo) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> weight(-1.99f, 1.99f);
  for (const char* spec : {"fp32", "fp16", "bf16", "q2.5", "q3.4", "q1.6", "q7.8", "int8", "int8-channel"}) {
    const Format f = Format::parse(spec);
    const float scale = f.is_int8() ? 2.0f / 127.0f : 1.0f;
    for (int i = 0; i < 2000; ++i) {
      const float x = weight(rng) * (f.is_fixed() ? std::min(1.0f, f.max_abs() / 2) : 1.0f);
      const std::uint32_t pattern = f.encode(x, scale);
      const double clean = f.decode(pattern, scale);
      unsigned worst = 0;
      double worst_error = -1;
      for (unsigned b = 0; b < f.bits(); ++b) {
        double e = std::fabs(static_cast<double>(f.decode(pattern ^ (1u << b), scale)) - clean);
        if (std::isnan(e)) e = INFINITY;  // a float in [1, 2) becomes NaN/Inf: the worst read of all
        if (e > worst_error) worst_error = e, worst = b;
      }
      ASSERT_EQ(worst, f.critical_bit()) << spec << " x=" << x;
    }
  }
}

}  // namespace
}  // namespace flipguard::memory
