#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "faults/geometric_skip.hpp"
#include "stats.hpp"

namespace flipguard::faults {
namespace {

using test::kAlpha;
using test::kSigmas;

// Per-slot hit frequencies over `trials` independent runs on `slots` slots.
template <class Next>
std::vector<double> hit_frequencies(std::uint64_t slots, int trials, Next next) {
  std::vector<double> hits(slots, 0.0);
  for (int t = 0; t < trials; ++t) {
    KeyedRng rng({77, static_cast<std::uint64_t>(t), 0, 0});
    for (std::uint64_t s = next(0, rng); s < slots; s = next(s + 1, rng)) hits[s] += 1.0;
  }
  for (auto& h : hits) h /= trials;
  return hits;
}

// True when every slot's hit frequency is consistent with p (kSigmas binomial standard errors).
bool every_slot_has_rate(const std::vector<double>& freq, double p, int trials) {
  const double se = std::sqrt(p * (1 - p) / trials);
  for (const double f : freq) {
    if (std::fabs(f - p) > kSigmas * se) return false;
  }
  return true;
}

TEST(GeometricSkip, EverySlotIncludingTheFirstAndLastIsHitWithProbabilityP) {
  for (const double p : {0.5, 0.1, 0.9}) {
    const std::uint64_t slots = 12;
    const int trials = 20000;
    const GeometricSkip skip(p, slots);
    const auto freq = hit_frequencies(
        slots, trials, [&](std::uint64_t from, KeyedRng& rng) { return skip.next(from, rng); });
    EXPECT_TRUE(every_slot_has_rate(freq, p, trials))
        << "p=" << p << " slot0=" << freq[0] << " slot11=" << freq[11];
  }
}

TEST(GeometricSkip, TheSlotTestCatchesOffByOneAndRateShortcuts) {
  // Negative controls: classic skipping mistakes must fail the same check the real code passes.
  const double p = 0.5;
  const std::uint64_t slots = 12;
  const int trials = 20000;
  const double log_q = std::log1p(-p);
  const auto gap = [&](KeyedRng& rng) {
    return static_cast<std::uint64_t>(std::floor(std::log(rng.uniform_open()) / log_q));
  };
  // (a) skipping one slot too many (the first slot can never be hit).
  const auto too_far = hit_frequencies(slots, trials, [&](std::uint64_t from, KeyedRng& rng) {
    const std::uint64_t s = from + gap(rng) + 1;
    return s < slots ? s : slots;
  });
  EXPECT_FALSE(every_slot_has_rate(too_far, p, trials));
  EXPECT_EQ(too_far[0], 0.0);
  // (b) the small-p shortcut log(1-p) ~ -p, which thins the hits when p is not small.
  const auto shortcut = hit_frequencies(slots, trials, [&](std::uint64_t from, KeyedRng& rng) {
    const auto g = static_cast<std::uint64_t>(std::floor(-std::log(rng.uniform_open()) / p));
    return from + g < slots ? from + g : slots;
  });
  EXPECT_FALSE(every_slot_has_rate(shortcut, p, trials));
}

TEST(GeometricSkip, ZeroAndOneAreExact) {
  KeyedRng rng({1, 0, 0, 0});
  const GeometricSkip none(0.0, 1'000'000);
  EXPECT_EQ(none.next(0, rng), none.slots());
  const GeometricSkip all(1.0, 1000);
  std::uint64_t count = 0, expect = 0;
  for (std::uint64_t s = all.next(0, rng); s < all.slots(); s = all.next(s + 1, rng)) {
    EXPECT_EQ(s, expect++);
    ++count;
  }
  EXPECT_EQ(count, 1000u);
  EXPECT_EQ(GeometricSkip(0.5, 0).next(0, rng), 0u);     // empty range
  EXPECT_EQ(GeometricSkip(1.0, 10).next(12, rng), 10u);  // starting past the end
}

TEST(GeometricSkip, HugeRangesAndTinyRatesKeepTheirRateAndSpread) {
  struct Case {
    std::uint64_t slots;
    double p;
  };
  // 204.8M bits (ResNet-50 in 8 bits) and ranges so large that gaps exceed 2^32 and approach 2^53.
  for (const Case c : {Case{204'800'000, 1e-4}, Case{1ULL << 53, 1e-12}, Case{1ULL << 63, 1e-15}}) {
    const GeometricSkip skip(c.p, c.slots);
    KeyedRng rng({5, 0, 0, 0});
    std::uint64_t count = 0, last = 0;
    double sum_frac = 0.0;
    for (std::uint64_t s = skip.next(0, rng); s < skip.slots(); s = skip.next(s + 1, rng)) {
      ASSERT_TRUE(count == 0 || s > last);
      last = s;
      ++count;
      sum_frac += static_cast<double>(s) / static_cast<double>(c.slots);
    }
    const double mean = c.p * static_cast<double>(c.slots);
    EXPECT_NEAR(static_cast<double>(count), mean, kSigmas * std::sqrt(mean)) << c.slots;
    // Positions uniform over the whole range: mean fraction 1/2 with variance 1/12 per hit.
    EXPECT_NEAR(sum_frac / count, 0.5, kSigmas * std::sqrt(1.0 / 12.0 / count)) << c.slots;
  }
}

TEST(GeometricSkip, VanishingRatesNeverOverflow) {
  KeyedRng rng({6, 0, 0, 0});
  for (const double p : {1e-300, 5e-324, 1e-20}) {
    const GeometricSkip skip(p, ~std::uint64_t{0});
    for (int i = 0; i < 1000; ++i) {
      // Expected hits ~ p * 2^64 < 1e-1 for these p; what matters is no wrap-around into small indices.
      const std::uint64_t s = skip.next(0, rng);
      EXPECT_TRUE(s == skip.slots() || s > (1ULL << 40)) << p << " " << s;
    }
  }
}

}  // namespace
}  // namespace flipguard::faults
