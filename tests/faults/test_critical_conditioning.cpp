#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "faults/critical_conditioning.hpp"
#include "stats.hpp"

namespace flipguard::faults {
namespace {

using test::binomial_pmf;
using test::kAlpha;

KeyedRng rng_for(std::uint64_t trial) {
  return KeyedRng({77, trial, 0, static_cast<std::uint64_t>(Stream::kStrata)});
}

TEST(CriticalConditioning, RangeProbabilitiesAreTheBinomialsOwn) {
  const std::int64_t n = 25'502'912;
  const double p = 1e-7, lambda = static_cast<double>(n) * p;
  // Poisson(2.55) is within 1e-7 of this binomial: an independent check of the summation.
  EXPECT_NEAR(binomial_range_probability(n, p, 0, 0), std::exp(-lambda), 1e-7);
  EXPECT_NEAR(binomial_range_probability(n, p, 1, 1), lambda * std::exp(-lambda), 1e-7);
  EXPECT_NEAR(binomial_range_probability(n, p, 0, kNoUpperCount), 1.0, 1e-12);
  const double parts =
      binomial_range_probability(n, p, 0, 2) + binomial_range_probability(n, p, 3, kNoUpperCount);
  EXPECT_NEAR(parts, 1.0, 1e-12);
  EXPECT_EQ(binomial_range_probability(10, 0.5, 5, 4), 0.0);
  EXPECT_NEAR(binomial_range_probability(10, 0.5, 10, kNoUpperCount), std::pow(0.5, 10), 1e-15);
}

// The count of a stratum follows Binomial(n, p) conditioned on the stratum's range.
void expect_conditioned_law(std::int64_t n, double p, std::int64_t lo, std::int64_t hi) {
  const int draws = 40'000;
  std::vector<double> observed(60, 0.0);
  for (int i = 0; i < draws; ++i) {
    KeyedRng rng = rng_for(static_cast<std::uint64_t>(i) + 1000 * static_cast<std::uint64_t>(lo));
    const std::int64_t k = conditioned_binomial(n, p, lo, hi, rng);
    ASSERT_GE(k, lo);
    ASSERT_LE(k, hi);
    ASSERT_LT(k, 59);
    observed[static_cast<std::size_t>(k)] += 1;
  }
  const double total = binomial_range_probability(n, p, lo, hi);
  std::vector<double> o, e;
  double tail_o = 0, tail_e = 0;
  for (std::int64_t k = lo; k < 60 && k <= hi; ++k) {
    const double expected =
        draws * binomial_pmf(static_cast<std::uint64_t>(n), p, static_cast<std::uint64_t>(k)) / total;
    if (expected >= 5) {
      o.push_back(observed[static_cast<std::size_t>(k)]);
      e.push_back(expected);
    } else {
      tail_o += observed[static_cast<std::size_t>(k)];
      tail_e += expected;
    }
  }
  if (tail_e > 0) o.push_back(tail_o), e.push_back(tail_e);
  ASSERT_GE(o.size(), 2u);
  EXPECT_GT(test::chi_square_test(o, e), kAlpha) << "stratum [" << lo << ", " << hi << "]";
}

TEST(CriticalConditioning, CountsFollowTheConditionedBinomial) {
  expect_conditioned_law(25'502'912, 1e-7, 1, 2);
  expect_conditioned_law(25'502'912, 1e-7, 3, kNoUpperCount);
  expect_conditioned_law(1'000, 0.004, 0, kNoUpperCount);
  KeyedRng rng = rng_for(1);
  EXPECT_EQ(conditioned_binomial(25'502'912, 1e-7, 2, 2, rng), 2);
}

TEST(CriticalConditioning, ImpossibleStrataAreRefused) {
  KeyedRng rng = rng_for(2);
  EXPECT_THROW(conditioned_binomial(10, 0.0, 1, kNoUpperCount, rng), std::invalid_argument);
  EXPECT_THROW(conditioned_binomial(10, 0.5, 11, kNoUpperCount, rng), std::invalid_argument);
  EXPECT_THROW(conditioned_binomial(10, 1.5, 0, 1, rng), std::invalid_argument);
}

TEST(CriticalConditioning, PlacementIsAUniformSubsetAcrossTensors) {
  const std::vector<std::uint64_t> words = {5, 10, 1, 4};  // 20 words
  const int draws = 30'000;
  const std::int64_t k = 3;
  std::vector<double> hits(20, 0.0);
  std::vector<double> pairs(20 * 20, 0.0);
  for (int i = 0; i < draws; ++i) {
    KeyedRng rng = rng_for(static_cast<std::uint64_t>(i));
    const auto placed = place_uniformly(words, k, rng);
    ASSERT_EQ(placed.size(), words.size());
    std::vector<std::uint64_t> global;
    std::uint64_t base = 0;
    for (std::size_t t = 0; t < words.size(); ++t) {
      for (std::size_t j = 0; j < placed[t].size(); ++j) {
        ASSERT_LT(placed[t][j], words[t]);
        if (j > 0) {
          ASSERT_LT(placed[t][j - 1], placed[t][j]);
        }
        global.push_back(base + placed[t][j]);
      }
      base += words[t];
    }
    ASSERT_EQ(global.size(), 3u);
    for (auto g : global) hits[g] += 1;
    pairs[global[0] * 20 + global[1]] += 1;
  }
  // Every word equally likely (k / 20 each), and every ordered pair (a < b) of the first two equally likely
  // too: a subset law, not just uniform margins.
  EXPECT_GT(test::chi_square_uniform(hits), kAlpha);
  std::vector<double> o, e;
  for (int a = 0; a < 20; ++a)
    for (int b = a + 1; b < 19; ++b) {
      o.push_back(pairs[static_cast<std::size_t>(a * 20 + b)]);
      e.push_back(draws * (19.0 - b) / 1140.0);
    }
  EXPECT_GT(test::chi_square_test(o, e), kAlpha);
}

TEST(CriticalConditioning, PlacementEdgeCases) {
  KeyedRng rng = rng_for(3);
  const std::vector<std::uint64_t> words = {3, 0, 2};
  const auto all = place_uniformly(words, 5, rng);
  EXPECT_EQ(all[0], (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_TRUE(all[1].empty());
  EXPECT_EQ(all[2], (std::vector<std::uint64_t>{0, 1}));
  EXPECT_THROW(place_uniformly(words, 6, rng), std::invalid_argument);
  EXPECT_TRUE(place_uniformly(words, 0, rng)[0].empty());
}

TEST(CriticalConditioning, CriticalFaultsAreExactlyThePlacedOnesAndTheRestStayBinomial) {
  const FaultModel model = FaultModel::parse("ber:0.002");
  const SampleRegion region{4'000, 8, "w"};
  const unsigned critical = 7;
  const std::vector<std::uint64_t> placed = {3, 100, 3999};
  std::vector<std::uint64_t> rest_counts;
  std::vector<double> bit_hits(8, 0.0);
  for (std::uint64_t trial = 0; trial < 3000; ++trial) {
    const FaultMap m = sample_conditioned(model, region, {5, trial, 9, 0}, critical, placed);
    std::vector<std::uint64_t> on_critical;
    std::uint64_t rest = 0;
    for (const Fault& f : m.faults()) {
      ASSERT_EQ(f.kind, FaultKind::kFlip);
      if (f.bit % 8 == critical)
        on_critical.push_back(f.bit / 8);
      else
        ++rest, bit_hits[f.bit % 8] += 1;
    }
    ASSERT_EQ(on_critical, placed) << "trial " << trial;
    rest_counts.push_back(rest);
  }
  // The other 7 bits of every element: Binomial(4000 x 7, p) per trial, spread evenly over those bits.
  EXPECT_GT(test::binomial_goodness_of_fit(rest_counts, 4'000 * 7, 0.002), kAlpha);
  EXPECT_EQ(bit_hits[critical], 0.0);
  bit_hits.erase(bit_hits.begin() + critical);
  EXPECT_GT(test::chi_square_uniform(bit_hits), kAlpha);
}

TEST(CriticalConditioning, NonCriticalFaultsAreTheUnconditionedSamplersOwnOnOtherBits) {
  // Common random numbers: the non-critical faults of a conditioned trial are those an unconditioned trial
  // with the same key draws on the same bits (the critical bit masked out).
  const FaultModel model = FaultModel::parse("ber:0.01@bits=0-6");
  const SampleRegion region{2'000, 8, "w"};
  const FaultMap conditioned = sample_conditioned(model, region, {1, 2, 3, 0}, 6, {});
  const FaultMap plain = sample_faults(FaultModel::parse("ber:0.01@bits=0-5"), region, {1, 2, 3, 0});
  EXPECT_EQ(conditioned, plain);
}

TEST(CriticalConditioning, StuckAtKeepsItsKindAndOtherModelsAreRefused) {
  const SampleRegion region{100, 16, "w"};
  const std::vector<std::uint64_t> placed = {7};
  const FaultMap m = sample_conditioned(FaultModel::parse("stuck1:0.0"), region, {1, 1, 1, 0}, 14, placed);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.faults()[0].bit, 7u * 16 + 14);
  EXPECT_EQ(m.faults()[0].kind, FaultKind::kStuck1);
  EXPECT_FALSE(conditionable(FaultModel::parse("burst:1e-3:len=2"), 14));
  EXPECT_FALSE(conditionable(FaultModel::parse("ber:1e-3@bits=0-4"), 14));
  EXPECT_TRUE(conditionable(FaultModel::parse("ber:1e-3@bits=14"), 14));
  EXPECT_THROW(sample_conditioned(FaultModel::parse("ber:1e-3@bits=0-4"), region, {1, 1, 1, 0}, 14, placed),
               std::invalid_argument);
  const std::vector<std::uint64_t> outside = {100};
  EXPECT_THROW(sample_conditioned(FaultModel::parse("ber:1e-3"), region, {1, 1, 1, 0}, 14, outside),
               std::invalid_argument);
}

TEST(CriticalConditioning, StrataMixedByTheirWeightsGiveBackTheUnconditionedCount) {
  // Draw the stratum with its exact probability, then the count within it: the mixture is Binomial(n, p).
  const std::int64_t n = 3'000;
  const double p = 0.001;
  const double w0 = binomial_range_probability(n, p, 0, 0), w1 = binomial_range_probability(n, p, 1, 2);
  std::vector<std::uint64_t> counts;
  for (std::uint64_t i = 0; i < 20'000; ++i) {
    KeyedRng rng = rng_for(i + 500'000);
    const double u = rng.uniform_open();
    const std::int64_t k = u < w0        ? conditioned_binomial(n, p, 0, 0, rng)
                           : u < w0 + w1 ? conditioned_binomial(n, p, 1, 2, rng)
                                         : conditioned_binomial(n, p, 3, kNoUpperCount, rng);
    counts.push_back(static_cast<std::uint64_t>(k));
  }
  EXPECT_GT(test::binomial_goodness_of_fit(counts, n, p), kAlpha);
}

}  // namespace
}  // namespace flipguard::faults
