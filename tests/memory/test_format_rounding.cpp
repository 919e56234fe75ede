// The vectorised rounding of a whole buffer equals Format::decode(encode(x)) bit for bit, for fp16 and bf16,
// over values of every kind (normal, subnormal, ties, overflow, Inf, NaN with payloads) and every buffer
// length around the vector width.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "memory/format_rounding.hpp"
#include "memory/int8_symmetric.hpp"

namespace flipguard::memory {
namespace {

std::vector<float> probe_values() {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          1.0f,
                          -1.0f,
                          65504.0f,
                          65519.99f,
                          65520.0f,
                          -65520.0f,
                          1e-8f,
                          5.96e-8f,
                          2.98e-8f,
                          6.1e-5f,
                          3.0e38f,
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::denorm_min()};
  for (std::uint32_t payload : {0x7FC00000u, 0x7F800001u, 0xFFC12345u, 0x7FBFFFFFu, 0x7F802000u})
    v.push_back(std::bit_cast<float>(payload));
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 20000; ++i) v.push_back(std::bit_cast<float>(bits(rng)));  // every exponent
  // Exact ties of both formats: a dropped half with an odd and an even kept bit.
  for (std::uint32_t u : {0x3F801000u, 0x3F803000u, 0x3F808000u, 0x3F818000u})
    v.push_back(std::bit_cast<float>(u));
  return v;
}

TEST(FormatRounding, EqualsEncodeDecodeBitForBit) {
  for (const auto* name : {"fp16", "bf16", "q2.5", "q7.8", "fp32"}) {
    const auto format = Format::parse(name);
    auto values = probe_values();
    if (format.is_fixed())  // fixed point refuses NaN: its values are finite by construction
      std::erase_if(values, [](float x) { return std::isnan(x); });
    for (std::size_t n : {values.size(), std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}}) {
      std::vector<float> data(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
      round_through(format, data.data(), static_cast<std::int64_t>(n));
      for (std::size_t i = 0; i < n; ++i) {
        const float expected = format.decode(format.encode(values[i]));
        ASSERT_EQ(std::bit_cast<std::uint32_t>(data[i]), std::bit_cast<std::uint32_t>(expected))
            << name << " at " << values[i] << " (0x" << std::hex << std::bit_cast<std::uint32_t>(values[i])
            << ")";
      }
    }
  }
}

TEST(FormatRounding, Int8EqualsEncodeDecodeBitForBitWithNanAsZero) {
  auto values = probe_values();
  for (float scale : {1.0f / 127, 0.0123f, 3.5f, 1e-30f, 0.0370917f, 7.1e-39f, 0x1p-100f, 0x1.fffffep-101f}) {
    // Ties of x / scale (exact multiples of half the scale) and the floats on either side of them: the
    // vectorised rounding decides these without a division.
    for (int k = -300; k <= 300; ++k) {
      const float tie = static_cast<float>(k) * 0.5f * scale;
      values.insert(values.end(), {tie, std::nextafter(tie, 1e30f), std::nextafter(tie, -1e30f)});
    }
    std::vector<float> data = values;
    round_through_int8(data.data(), static_cast<std::int64_t>(data.size()), scale);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const float x = std::isnan(values[i]) ? 0.0f : values[i];
      const float expected = int8_decode(int8_encode(x, scale), scale);
      ASSERT_EQ(std::bit_cast<std::uint32_t>(data[i]), std::bit_cast<std::uint32_t>(expected))
          << "scale " << scale << " at " << values[i];
    }
  }
}

TEST(FormatRounding, Int8EqualsEncodeDecodeOverRandomScalesTiesAndTheirNeighbours) {
  std::mt19937 rng(11);
  for (int s = 0; s < 200; ++s) {
    // Scales from 2^-100 to 2^99, any mantissa.
    const float scale =
        std::bit_cast<float>(static_cast<std::uint32_t>((rng() % 200 + 27) << 23 | (rng() & 0x7FFFFF)));
    std::vector<float> values;
    for (int i = 0; i < 1000; ++i) {
      const float tie = (static_cast<float>(static_cast<int>(rng() % 300) - 150) + 0.5f) * scale;
      values.insert(values.end(), {tie, std::nextafter(tie, 1e30f), std::nextafter(tie, -1e30f),
                                   std::uniform_real_distribution<float>(-130, 130)(rng) * scale});
    }
    std::vector<float> data = values;
    round_through_int8(data.data(), static_cast<std::int64_t>(data.size()), scale);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const float expected = int8_decode(int8_encode(values[i], scale), scale);
      ASSERT_EQ(std::bit_cast<std::uint32_t>(data[i]), std::bit_cast<std::uint32_t>(expected))
          << "scale " << scale << " at " << values[i];
    }
  }
}

TEST(FormatRounding, Int8NeedsItsScale) {
  float x = 1.0f;
  EXPECT_THROW(round_through(Format::int8(), &x, 1), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::memory
