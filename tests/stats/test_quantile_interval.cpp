// Order-statistic intervals for quantiles: the textbook ranks at small n, unbounded sides where n is too
// small, and coverage by simulation on heavy-tailed values with an atom at +inf (perplexities of trials whose
// logits went non-finite), at the median and the 90th percentile.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "stats/quantile_interval.hpp"

namespace flipguard::stats {
namespace {

TEST(QuantileInterval, TextbookRanksForTheMedianOfTen) {
  std::vector<double> v;
  for (int i = 10; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  const auto ci = quantile_interval(v, 0.5);
  // P(Bin(10, 1/2) <= 1) = 0.0107 <= 0.025 < P(<= 2) = 0.0547: ranks 2 and 9.
  EXPECT_EQ(ci.lo_rank, 2);
  EXPECT_EQ(ci.hi_rank, 9);
  EXPECT_EQ(ci.lo, 2);
  EXPECT_EQ(ci.hi, 9);
  EXPECT_EQ(ci.estimate, 5);
  EXPECT_NEAR(binomial_cdf(1, 10, 0.5), 11.0 / 1024, 1e-12);
}

TEST(QuantileInterval, TooFewValuesLeaveASideUnbounded) {
  const auto ci = quantile_interval({3, 1, 2}, 0.9);
  EXPECT_TRUE(std::isinf(ci.hi) && ci.hi > 0);
  EXPECT_EQ(ci.hi_rank, 4);
  const auto low = quantile_interval({3, 1, 2, 5, 4}, 0.5);
  EXPECT_TRUE(std::isinf(low.lo) && low.lo < 0);  // P(Bin(5, 1/2) <= 0) = 1/32 > 0.025
  EXPECT_THROW(quantile_interval({}, 0.5), std::invalid_argument);
  EXPECT_THROW(quantile_interval({1, std::nan("")}, 0.5), std::invalid_argument);
  EXPECT_THROW(quantile_interval({1, 2}, 1.0), std::invalid_argument);
}

TEST(QuantileInterval, CoversTheQuantileOfHeavyTailedValuesWithInfinities) {
  // Perplexity-like trials: lognormal with sigma 2, and 20 % of trials at +inf.
  const double inf = std::numeric_limits<double>::infinity();
  std::mt19937_64 rng(2024);
  std::lognormal_distribution<double> body(3, 2);
  std::bernoulli_distribution broken(0.2);
  // True quantiles: P(X <= x) = 0.8 Phi((ln x - 3) / 2); the median solves Phi(z) = 0.625, the 0.9 quantile
  // lies in the atom at +inf (0.8 < 0.9).
  const double median = std::exp(3 + 2 * 0.318639363964375);  // Phi^-1(0.625)
  for (const auto& [q, truth] : {std::pair{0.5, median}, std::pair{0.9, inf}}) {
    for (int n : {20, 100}) {
      int covered = 0;
      const int reps = 4000;
      for (int r = 0; r < reps; ++r) {
        std::vector<double> v(static_cast<std::size_t>(n));
        for (auto& x : v) x = broken(rng) ? inf : body(rng);
        const auto ci = quantile_interval(v, q);
        if (ci.lo <= truth && truth <= ci.hi) ++covered;
      }
      // At least 95 % (order-statistic intervals are conservative): allow 3 standard errors of simulation.
      EXPECT_GE(covered, 0.95 * reps - 3 * std::sqrt(reps * 0.95 * 0.05)) << "q " << q << ", n " << n;
    }
  }
}

}  // namespace
}  // namespace flipguard::stats
