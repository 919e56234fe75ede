// The early-stop bound: exact where a closed form exists, coverage computed exactly from the binomial
// distribution, and the sequential stop rule checked by simulation (false stops at the floor, power below).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "campaign/accuracy_floor.hpp"

using namespace flipguard::campaign;

namespace {

double binomial_pmf(int k, int n, double p) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) + k * std::log(p) +
                  (n - k) * std::log1p(-p));
}

TEST(AccuracyFloor, UpperBoundMatchesTheClosedFormsAtTheEnds) {
  // No success in n: P(X = 0 | p) = (1 - p)^n = 1 - confidence.
  for (int n : {1, 10, 200})
    EXPECT_NEAR(binomial_upper_bound(0, n, 0.999), 1 - std::pow(0.001, 1.0 / n), 1e-9) << n;
  // n - 1 successes in n: P(X <= n - 1 | p) = 1 - p^n = 1 - confidence, so p = confidence^(1/n).
  for (int n : {2, 10, 200})
    EXPECT_NEAR(binomial_upper_bound(n - 1, n, 0.99), std::pow(0.99, 1.0 / n), 1e-9) << n;
  EXPECT_EQ(binomial_upper_bound(7, 7, 0.999), 1.0);
  EXPECT_THROW(binomial_upper_bound(8, 7, 0.999), std::invalid_argument);
}

TEST(AccuracyFloor, ExactCoverageIsAtLeastTheConfidence) {
  // P(bound < p) summed over the binomial outcomes, for several n and p: at most 1 - confidence.
  for (int n : {16, 64, 200})
    for (double p : {0.1, 0.5, 0.9}) {
      double miss = 0;
      for (int k = 0; k <= n; ++k)
        if (binomial_upper_bound(k, n, 0.999) < p) miss += binomial_pmf(k, n, p);
      EXPECT_LE(miss, 0.001) << n << " " << p;
    }
}

// One trial of `images` with true accuracy p, checked after each batch of 16 as the runner does.
bool stops(std::mt19937_64& g, double p, double floor_percent, int images = 512) {
  std::bernoulli_distribution correct(p);
  std::int64_t k = 0;
  for (int seen = 1; seen <= images; ++seen) {
    k += correct(g);
    if (seen % 16 == 0 && seen < images && below_floor(k, seen, floor_percent)) return true;
  }
  return false;
}

TEST(AccuracyFloor, SequentialStopsAreRareAtTheFloorAndQuickFarBelowIt) {
  std::mt19937_64 g(2024);
  const int sims = 2000;
  int false_stops = 0;
  for (int i = 0; i < sims; ++i) false_stops += stops(g, 0.5, 50.0);
  // 31 looks at 0.1% each: at most 3.1% by the union bound (far less in fact, the looks are correlated);
  // 3 binomial standard deviations of slack.
  EXPECT_LE(false_stops, sims * 0.031 + 3 * std::sqrt(sims * 0.031));
  int true_stops = 0;
  for (int i = 0; i < 400; ++i) true_stops += stops(g, 0.1, 50.0);
  EXPECT_EQ(true_stops, 400);
  EXPECT_FALSE(below_floor(5, 10, 0));  // floor 0: off
}

}  // namespace
