// Clopper-Pearson bounds: exact where a closed form exists, coverage computed exactly from the binomial
// distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "stats/binomial.hpp"

using namespace flipguard::stats;

namespace {

double binomial_pmf(int k, int n, double p) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) + k * std::log(p) +
                  (n - k) * std::log1p(-p));
}

TEST(ClopperPearson, UpperBoundMatchesTheClosedFormsAtTheEnds) {
  // No success in n: P(X = 0 | p) = (1 - p)^n = 1 - confidence.
  for (int n : {1, 10, 200})
    EXPECT_NEAR(clopper_pearson_upper(0, n, 0.999), 1 - std::pow(0.001, 1.0 / n), 1e-9) << n;
  // n - 1 successes in n: P(X <= n - 1 | p) = 1 - p^n = 1 - confidence, so p = confidence^(1/n).
  for (int n : {2, 10, 200})
    EXPECT_NEAR(clopper_pearson_upper(n - 1, n, 0.99), std::pow(0.99, 1.0 / n), 1e-9) << n;
  EXPECT_EQ(clopper_pearson_upper(7, 7, 0.999), 1.0);
  EXPECT_THROW(clopper_pearson_upper(8, 7, 0.999), std::invalid_argument);
  EXPECT_THROW(clopper_pearson_upper(1, 7, 1.0), std::invalid_argument);
}

TEST(ClopperPearson, UpperBoundExactCoverageIsAtLeastTheConfidence) {
  // P(bound < p) summed over the binomial outcomes, for several n and p: at most 1 - confidence.
  for (int n : {16, 64, 200})
    for (double p : {0.1, 0.5, 0.9}) {
      double miss = 0;
      for (int k = 0; k <= n; ++k)
        if (clopper_pearson_upper(k, n, 0.999) < p) miss += binomial_pmf(k, n, p);
      EXPECT_LE(miss, 0.001) << n << " " << p;
    }
}

TEST(ClopperPearson, TwoSidedIntervalMatchesClosedFormsAndPublishedValues) {
  // 0 of n: [0, 1 - (alpha/2)^(1/n)]; n of n: [(alpha/2)^(1/n), 1].
  for (int n : {1, 13, 1300}) {
    const Interval none = clopper_pearson(0, n);
    EXPECT_EQ(none.lo, 0);
    EXPECT_NEAR(none.hi, 1 - std::pow(0.025, 1.0 / n), 1e-12) << n;
    const Interval all = clopper_pearson(n, n);
    EXPECT_NEAR(all.lo, std::pow(0.025, 1.0 / n), 1e-12) << n;
    EXPECT_EQ(all.hi, 1);
  }
  // 5 of 10: the textbook exact interval [0.187086, 0.812914] (e.g. R's binom.test(5, 10)).
  const Interval half = clopper_pearson(5, 10);
  EXPECT_NEAR(half.lo, 0.1870860, 1e-6);
  EXPECT_NEAR(half.hi, 0.8129140, 1e-6);
  EXPECT_EQ(clopper_pearson(0, 0), (Interval{0, 1}));
  EXPECT_THROW(clopper_pearson(3, 2), std::invalid_argument);
}

TEST(ClopperPearson, TwoSidedExactCoverageIsAtLeastNinetyFivePercent) {
  for (int n : {16, 200, 1300})
    for (double p : {0.01, 0.3, 0.77, 0.999}) {
      double covered = 0;
      for (int k = 0; k <= n; ++k)
        if (clopper_pearson(k, n).contains(p)) covered += binomial_pmf(k, n, p);
      EXPECT_GE(covered, 0.95 - 1e-12) << n << " " << p;
    }
}

}  // namespace
