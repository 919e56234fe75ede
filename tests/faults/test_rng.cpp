#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "faults/rng.hpp"
#include "stats.hpp"

namespace flipguard::faults {
namespace {

using test::chi_square_uniform;
using test::kAlpha;

std::vector<std::uint64_t> draw(const RngKey& key, int n) {
  KeyedRng rng(key);
  std::vector<std::uint64_t> out(n);
  for (auto& x : out) x = rng.next_u64();
  return out;
}

TEST(StatsKit, ChiSquareQuantilesMatchTables) {
  // Textbook 5% critical values.
  EXPECT_NEAR(test::chi_square_p_value(3.841, 1), 0.05, 1e-3);
  EXPECT_NEAR(test::chi_square_p_value(18.307, 10), 0.05, 1e-3);
  EXPECT_NEAR(test::chi_square_p_value(124.342, 100), 0.05, 1e-3);
  EXPECT_NEAR(test::binomial_pmf(10, 0.5, 5), 252.0 / 1024.0, 1e-12);
}

TEST(KeyedRng, SameKeySameStream) {
  const RngKey key{42, 7, 3, 0};
  EXPECT_EQ(draw(key, 100), draw(key, 100));
}

TEST(KeyedRng, EveryKeyFieldChangesTheStream) {
  const RngKey base{42, 7, 3, 0};
  const auto ref = draw(base, 4);
  for (int field = 0; field < 4; ++field) {
    RngKey k = base;
    (field == 0 ? k.seed : field == 1 ? k.trial : field == 2 ? k.tensor : k.stream) += 1;
    EXPECT_NE(draw(k, 4), ref) << "field " << field;
  }
  // Swapping values between fields must not alias: trial 1 / tensor 2 differs from trial 2 / tensor 1.
  EXPECT_NE(draw({0, 1, 2, 0}, 4), draw({0, 2, 1, 0}, 4));
}

TEST(KeyedRng, NeighbouringTrialsAreUncorrelated) {
  // First outputs of trials 0..N-1: their bits must be balanced, or nearby keys would share faults.
  std::vector<double> ones(64, 0.0);
  const int n = 20000;
  for (int t = 0; t < n; ++t) {
    const std::uint64_t x = KeyedRng({1, static_cast<std::uint64_t>(t), 0, 0}).next_u64();
    for (int b = 0; b < 64; ++b) ones[b] += static_cast<double>((x >> b) & 1u);
  }
  for (int b = 0; b < 64; ++b) EXPECT_NEAR(ones[b] / n, 0.5, 5 * 0.5 / std::sqrt(n)) << "bit " << b;
}

TEST(KeyedRng, UniformOpenIsStrictlyInsideAndUniform) {
  KeyedRng rng({9, 0, 0, 0});
  std::vector<double> buckets(100, 0.0);
  double low_bit_set = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform_open();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    buckets[static_cast<int>(u * 100)] += 1.0;
    // With 52 random bits, the 2^-50 place is as often 1 as 0; a 32-bit uniform would always give 0 there.
    low_bit_set += static_cast<double>(static_cast<std::uint64_t>(std::ldexp(u, 50)) & 1u);
  }
  EXPECT_GT(chi_square_uniform(buckets), kAlpha);
  EXPECT_NEAR(low_bit_set / n, 0.5, 5 * 0.5 / std::sqrt(n));
}

TEST(KeyedRng, OpenUnitStaysInsideAtTheExtremeBitPatterns) {
  // The all-ones draw is the one a 53-bit midpoint would round up to exactly 1.0.
  EXPECT_LT(KeyedRng::open_unit(~std::uint64_t{0}), 1.0);
  EXPECT_GT(KeyedRng::open_unit(0), 0.0);
  EXPECT_LT(std::log(KeyedRng::open_unit(~std::uint64_t{0})), 0.0);
  EXPECT_TRUE(std::isfinite(std::log(KeyedRng::open_unit(0))));
  // Equal cells: consecutive cell indices are exactly one cell width apart.
  const std::uint64_t cell = std::uint64_t{1} << 12;
  EXPECT_EQ(KeyedRng::open_unit(5 * cell) - KeyedRng::open_unit(4 * cell), 0x1.0p-52);
}

TEST(KeyedRng, BelowIsUniformOnSmallRanges) {
  KeyedRng rng({10, 0, 0, 0});
  std::vector<double> counts(7, 0.0);
  for (int i = 0; i < 70000; ++i) counts[rng.below(7)] += 1.0;
  EXPECT_GT(chi_square_uniform(counts), kAlpha);
  EXPECT_EQ(rng.below(1), 0u);
  EXPECT_THROW(rng.below(0), std::invalid_argument);
}

TEST(KeyedRng, BelowHasNoModuloBiasOnHugeRanges) {
  // n = 3 * 2^62: "x % n" would put half the mass below n/3 instead of a third.
  const std::uint64_t n = 3ULL << 62;
  KeyedRng rng({11, 0, 0, 0});
  const int draws = 30000;
  int below_third = 0;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = rng.below(n);
    ASSERT_LT(v, n);
    below_third += v < (n / 3) ? 1 : 0;
  }
  const double p = 1.0 / 3.0;
  EXPECT_NEAR(static_cast<double>(below_third) / draws, p, 5 * std::sqrt(p * (1 - p) / draws));
}

}  // namespace
}  // namespace flipguard::faults
