#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"
#include "memory/stored_tensor.hpp"

namespace flipguard::memory {
namespace {

std::vector<float> gaussian(std::size_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(StoredTensor, ElementIOccupiesBitsIwToIw1LsbFirst) {
  const std::vector<float> w{1.0f, -2.0f, 0.5f};
  const StoredTensor t(Format::fp16(), w);
  ASSERT_EQ(t.bits().size_bits(), 48u);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::uint16_t expect = fp32_to_fp16(w[i]);
    for (unsigned b = 0; b < 16; ++b)
      ASSERT_EQ(t.bits().get(i * 16 + b), ((expect >> b) & 1) != 0) << i << " " << b;
  }
}

TEST(StoredTensor, DecodeAllMatchesPerElementFormatRoundTrip) {
  const auto w = gaussian(1001, 0.1f, 1);
  for (const char* s : {"fp32", "fp16", "bf16", "q2.5", "q7.8"}) {
    const Format f = Format::parse(s);
    const StoredTensor t(f, w);
    const auto all = t.decode_all();
    for (std::size_t i = 0; i < w.size(); ++i) ASSERT_EQ(all[i], f.decode(f.encode(w[i]))) << s << " " << i;
  }
  EXPECT_EQ(StoredTensor(Format::fp32(), w).decode_all(), w);
}

TEST(StoredTensor, FlippingAStoredBitChangesOnlyThatElement) {
  const auto w = gaussian(64, 0.1f, 2);
  StoredTensor t(Format::bf16(), w);
  const auto before = t.decode_all();
  t.bits().flip(5 * 16 + 14);  // top exponent bit of element 5
  const auto after = t.decode_all();
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (i == 5)
      EXPECT_EQ(after[i], bf16_to_fp32(fp32_to_bf16(w[5]) ^ 0x4000));
    else
      EXPECT_EQ(after[i], before[i]);
  }
}

TEST(StoredTensor, Int8ScalesPerTensorAndPerChannel) {
  const std::vector<float> w{0.1f, -0.2f, 0.05f, 1.0f, -3.0f, 2.0f};  // 2 channels of 3
  const StoredTensor pt(Format::int8(false), w, 2);
  ASSERT_EQ(pt.scales().size(), 1u);
  EXPECT_FLOAT_EQ(pt.scales()[0], 3.0f / 127.0f);
  const StoredTensor pc(Format::int8(true), w, 2);
  ASSERT_EQ(pc.scales().size(), 2u);
  EXPECT_FLOAT_EQ(pc.scale_of(1), 0.2f / 127.0f);
  EXPECT_FLOAT_EQ(pc.scale_of(4), 3.0f / 127.0f);
  // Per channel keeps small channels precise: error within half a step of each channel's own scale.
  const auto r = pc.decode_all();
  for (std::size_t i = 0; i < w.size(); ++i)
    EXPECT_LE(std::fabs(r[i] - w[i]), 0.5f * pc.scale_of(i) * 1.0001f);
  EXPECT_EQ(pc.pattern(4), 0x81u);  // -127
}

TEST(StoredTensor, EmptyTensorsHaveNoBitsInAnyFormat) {
  // An empty weight (a zero-sized layer) split into channels must not read past its (absent) values.
  const std::vector<float> none;
  for (const char* s : {"fp32", "q2.5", "int8", "int8-channel"}) {
    const StoredTensor t(Format::parse(s), none, 4);
    EXPECT_EQ(t.size(), 0u) << s;
    EXPECT_EQ(t.bits().size_bits(), 0u) << s;
    EXPECT_TRUE(t.decode_all().empty()) << s;
  }
  const StoredTensor per_channel(Format::int8(true), none, 4);
  EXPECT_EQ(per_channel.scales(), std::vector<float>(4, 1.0f));  // empty blocks get scale 1, as all-zero ones
}

TEST(StoredTensor, RejectsBadInputWithAClearMessage) {
  const auto message = [](auto make) -> std::string {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no exception)";
  };
  const std::vector<float> w(10, 0.5f);
  EXPECT_NE(message([&] {
              StoredTensor(Format::fp16(), w, 3);
            }).find("10 elements cannot be split into 3 output channels"),
            std::string::npos);
  EXPECT_NE(message([&] { StoredTensor(Format::fp16(), w, 0); }).find("0 output channels"),
            std::string::npos);
  const std::vector<float> nan{std::nanf("")};
  EXPECT_NE(message([&] { StoredTensor(Format::fixed(2, 5), nan); }).find("q2.5: cannot encode NaN"),
            std::string::npos);
  EXPECT_NE(message([&] { StoredTensor(Format::int8(), nan); }).find("non-finite weight nan"),
            std::string::npos);
  EXPECT_NO_THROW(StoredTensor(Format::fp16(), nan));  // floats can hold NaN
}

}  // namespace
}  // namespace flipguard::memory
