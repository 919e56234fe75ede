// Whole-sample betting intervals: the fixed-n interval, paired differences and the sample-size planner.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "stats/betting_interval.hpp"
#include "stats/paired_difference.hpp"
#include "stats/sample_size.hpp"

using namespace flipguard::stats;

namespace {

TEST(FixedNBettingInterval, IsTheRunningIntersectionOfTheSequenceTunedToN) {
  const std::vector<double> x{0.8, 0.75, 0.0, 0.9, 0.82, 0.78, 0.85, 0.8, 0.81, 0.79};
  const Interval fixed = fixed_n_betting_interval(x);
  BettingConfidenceSequence cs({.horizon = 10});
  for (double v : x) {
    cs.add(v);
    cs.look();
  }
  EXPECT_EQ(fixed, cs.running());
  EXPECT_GE(fixed.lo, cs.current_set().lo);
  EXPECT_LE(fixed.hi, cs.current_set().hi);
  EXPECT_TRUE(fixed.contains(0.73));  // the sample mean
  EXPECT_EQ(fixed_n_betting_interval(std::vector<double>{}), (Interval{0, 1}));
}

TEST(FixedNBettingInterval, CoversOnBimodalCellsWithFewTrials) {
  // 25% of trials collapse near 5%, the rest near 75%: with 3-5 trials, t intervals cover ~70-80% (all
  // trials from one mode look precise). Misses over 1000 samples: Binomial(1000, <= 0.05), sd <= 6.9;
  // failing needs > 50 + 21.
  std::mt19937_64 g(17);
  std::bernoulli_distribution collapse(0.25);
  std::normal_distribution<double> low(0.05, 0.02), high(0.75, 0.03);
  const double mean = 0.25 * 0.05 + 0.75 * 0.75;
  for (int n : {3, 4, 5, 10, 30}) {
    int missed = 0;
    for (int s = 0; s < 1000; ++s) {
      std::vector<double> x;
      for (int i = 0; i < n; ++i) x.push_back(std::clamp(collapse(g) ? low(g) : high(g), 0.0, 1.0));
      missed += fixed_n_betting_interval(x).contains(mean) ? 0 : 1;
    }
    EXPECT_LE(missed, 71) << n;
  }
}

TEST(PairedDifferenceInterval, MapsDifferencesToTheUnitIntervalAndBack) {
  const std::vector<double> d{0.30, 0.25, 0.35, 0.0, 0.31, 0.28, 0.33, 0.29, 0.30, 0.27};
  std::vector<double> y;
  for (double v : d) y.push_back((v + 1) / 2);
  const Interval direct = betting_interval(y, {.horizon = 10});
  const Interval paired = paired_difference_interval(d, {.horizon = 10});
  EXPECT_NEAR(paired.lo, 2 * direct.lo - 1, 1e-15);
  EXPECT_NEAR(paired.hi, 2 * direct.hi - 1, 1e-15);
  EXPECT_TRUE(paired.contains(0.268));  // the sample mean
  // A target half-width is meant for the differences: halved on the [0, 1] scale.
  const Interval targeted = paired_difference_interval(d, {.horizon = 100, .target_half_width = 0.04}, 5);
  const Interval by_hand = betting_interval(y, {.horizon = 100, .target_half_width = 0.02}, 5);
  EXPECT_NEAR(targeted.lo, 2 * by_hand.lo - 1, 1e-15);
  EXPECT_THROW(paired_difference_interval(std::vector<double>{1.5}, {}), std::invalid_argument);
}

TEST(PairedDifferenceInterval, CoversTheMeanDifference) {
  // Protected minus unprotected on shared faults: usually +30 points, sometimes both collapse (0), rarely
  // the protection loses 10. Misses over 500: Binomial(500, <= 0.05), failing needs > 25 + 15.
  std::mt19937_64 g(23);
  std::discrete_distribution<int> kind({0.8, 0.15, 0.05});
  std::normal_distribution<double> gain(0.30, 0.03);
  const double mean = 0.8 * 0.30 + 0.05 * -0.10;
  int missed = 0;
  for (int s = 0; s < 500; ++s) {
    std::vector<double> d;
    for (int i = 0; i < 40; ++i) {
      const int k = kind(g);
      d.push_back(k == 0 ? gain(g) : k == 1 ? 0.0 : -0.10);
    }
    missed += paired_difference_interval(d, {.horizon = 40}).contains(mean) ? 0 : 1;
  }
  EXPECT_LE(missed, 40);
}

TEST(BettingTrialsNeeded, PredictsTheSimulatedStopWithinAFewWaves) {
  // Calm cells (sd 0.05 around 0.8, target half-width 0.02): the first look (every 4 trials) whose interval
  // is that narrow, averaged over 40 sequences, against the planner (which ignores the prior-damped first
  // bets and so reads low).
  std::mt19937_64 g(31);
  std::normal_distribution<double> calm(0.8, 0.05);
  double total = 0;
  for (int s = 0; s < 40; ++s) {
    BettingConfidenceSequence cs({.horizon = 1000, .target_half_width = 0.02});
    while (cs.size() < 1000) {
      cs.add(std::clamp(calm(g), 0.0, 1.0));
      if (cs.size() % 4 == 0 && cs.look().half_width() <= 0.02) break;
    }
    total += static_cast<double>(cs.size());
  }
  const double simulated = total / 40, planned = betting_trials_needed(0.8, 0.05, 0.02);
  EXPECT_GT(planned, 0.75 * simulated);
  EXPECT_LT(planned, 1.05 * simulated);
  // No spread: the truncation alone limits the bets to c / m below and c / (1 - m) above, m = mean -+ w:
  // log(2/alpha) ((mean - w) + (1 - mean - w)) / c / (2 w) observations.
  EXPECT_NEAR(betting_trials_needed(0.5, 0, 0.02, 0.05, 0.9), std::log(40.0) * (0.96 / 0.9) / (2 * 0.02),
              1e-9);
  EXPECT_TRUE(std::isinf(betting_trials_needed(0.5, 0.5, 0.0)));
}

}  // namespace
