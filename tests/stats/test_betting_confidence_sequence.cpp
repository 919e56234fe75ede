// The betting confidence sequence: endpoints pinned against an independent reference, the shape facts the
// endpoint search relies on, the running intersection, and coverage by simulation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "stats/betting_confidence_sequence.hpp"

using namespace flipguard::stats;

namespace {

BettingConfidenceSequence feed(const std::vector<double>& x, BettingOptions o) {
  BettingConfidenceSequence cs(o);
  for (double v : x) cs.add(v);
  return cs;
}

const std::vector<double> kSkewed{0.81, 0.79, 0.05, 0.83, 0.80, 0.78, 0.82, 0.80, 0.02, 0.79, 0.81, 0.80};
const std::vector<double> kCalm{0.80, 0.82, 0.79, 0.81, 0.80, 0.78, 0.83, 0.80,
                                0.81, 0.79, 0.80, 0.82, 0.80, 0.81, 0.79, 0.80};
// Ten trials near 0.90 (the first run's calm cell) and trials exactly at the bounds.
const std::vector<double> kTight10{0.895, 0.9, 0.885, 0.905, 0.9, 0.89, 0.9, 0.905, 0.895, 0.9};
const std::vector<double> kBounds{0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0};
const std::vector<double> kUniform40{
    0.493212, 0.955660, 0.906576, 0.272747, 0.266379, 0.138421, 0.402885, 0.322059, 0.981321, 0.709615,
    0.420544, 0.559144, 0.193945, 0.635508, 0.226845, 0.063232, 0.892409, 0.156786, 0.081038, 0.959949,
    0.960096, 0.362533, 0.627202, 0.215218, 0.802101, 0.798515, 0.069245, 0.776340, 0.299006, 0.604486,
    0.232017, 0.162504, 0.285475, 0.756549, 0.732648, 0.377574, 0.441162, 0.013907, 0.078246, 0.380246};

// Expected values from tests/stats/betting_reference.py (run with /usr/bin/python3): the paper's formulas
// written out independently in Python, and each endpoint found without assuming monotonicity, by scanning a
// 200,001-point grid of m for sign changes of log K -+ log(2/alpha) and refining each by 60 bisections.
// Alpha 0.05 throughout; truncation c as given per case.
TEST(BettingConfidenceSequence, EndpointsMatchTheIndependentReference) {
  struct Case {
    std::vector<double> x;
    BettingOptions options;
    double lo, hi;
  };
  std::vector<double> zeros(30, 0.0), calm4;
  for (int k = 0; k < 4; ++k) calm4.insert(calm4.end(), kCalm.begin(), kCalm.end());
  const std::vector<Case> cases{
      {kSkewed, {.truncation = 0.5}, 0.355124982793001, 0.858870259956642},
      {kCalm,
       {.truncation = 0.5, .horizon = 100, .target_half_width = 0.02},
       0.519677878429416,
       0.992515203294558},
      {zeros, {.truncation = 0.5, .horizon = 30}, 0.0, 0.207408739168142},
      {kUniform40, {.truncation = 0.5}, 0.342306420355944, 0.612427986681458},
      {calm4,
       {.truncation = 0.9, .horizon = 100, .target_half_width = 0.02},
       0.752276518882634,
       0.825851471836913},
      // Mixtures with the bold bet (betting-mix: weight 0.25, share 0.99, c 0.9).
      {kTight10,
       {.truncation = 0.9, .horizon = 10, .bold_weight = 0.25},
       0.605437882494702,
       0.938213295770896},
      {kSkewed,
       {.truncation = 0.9, .horizon = 100, .target_half_width = 0.02, .bold_weight = 0.25},
       0.318817735458155,
       0.831553389179240},
      {kBounds,
       {.truncation = 0.9, .horizon = 12, .bold_weight = 0.25},
       0.357270889819315,
       0.999999783568753},
      {kUniform40, {.truncation = 0.9, .bold_weight = 0.25}, 0.346007579750825, 0.635858695524216},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const Interval i = feed(cases[k].x, cases[k].options).current_set();
    EXPECT_NEAR(i.lo, cases[k].lo, 1e-8) << "case " << k;
    EXPECT_NEAR(i.hi, cases[k].hi, 1e-8) << "case " << k;
  }
}

TEST(BettingConfidenceSequence, LogCapitalsMatchTheIndependentReference) {
  const auto skewed = feed(kSkewed, {.truncation = 0.5});
  EXPECT_NEAR(skewed.log_capital_plus(0.3), 4.914004344099092, 1e-10);
  EXPECT_NEAR(skewed.log_capital_minus(0.3), -4.106345344337208, 1e-10);
  EXPECT_NEAR(skewed.log_capital_plus(0.7), -0.579665954946924, 1e-10);
  EXPECT_NEAR(skewed.log_capital_minus(0.7), -0.393139087195044, 1e-10);
  const auto uniform = feed(kUniform40, {.truncation = 0.5});
  EXPECT_NEAR(uniform.log_capital_plus(0.3), 5.797009260109497, 1e-10);
  EXPECT_NEAR(uniform.log_capital_minus(0.7), 7.660247576813528, 1e-10);
  EXPECT_NEAR(uniform.log_threshold(), std::log(40.0), 1e-15);
  const auto mixed = feed(kUniform40, {.truncation = 0.9, .bold_weight = 0.25});
  EXPECT_NEAR(mixed.log_capital_plus(0.3), 6.389435614019416, 1e-10);
  EXPECT_NEAR(mixed.log_capital_minus(0.3), -14.147913873211948, 1e-10);
  EXPECT_NEAR(mixed.log_capital_plus(0.7), -16.233471562674460, 1e-10);
  EXPECT_NEAR(mixed.log_capital_minus(0.7), 9.300237069671365, 1e-10);
  const auto tight = feed(kTight10, {.truncation = 0.9, .horizon = 10, .bold_weight = 0.25});
  EXPECT_NEAR(tight.log_capital_plus(0.3), 10.156150628756151, 1e-10);
  EXPECT_NEAR(tight.log_capital_minus(0.7), -8.337227576116529, 1e-10);
}

TEST(BettingConfidenceSequence, TheBoldMixtureNarrowsTheFarSideOfTightSmallSamples) {
  // Ten trials near 0.90: the plug-in bets keep m = 1 inside (a mean near 1 cannot be ruled out by them),
  // the mixture ends near 0.94, where a mean above needs mass near 1 that ten draws would have seen.
  const Interval plain = feed(kTight10, {.truncation = 0.9, .horizon = 10}).current_set();
  const Interval mixed =
      feed(kTight10, {.truncation = 0.9, .horizon = 10, .bold_weight = 0.25}).current_set();
  EXPECT_GT(plain.hi, 0.99);
  EXPECT_LT(mixed.hi, 0.95);
  // The weight moved to the bold gambler costs the near side little: within a point.
  EXPECT_NEAR(mixed.lo, plain.lo, 0.01);
}

TEST(BettingConfidenceSequence, CapitalsAreMonotoneInTheCandidateMeanSoTheSetIsAnInterval) {
  // The endpoint search relies on K+ nonincreasing and K- nondecreasing in m, kinks of the c/m truncation
  // included (a fine grid crosses many of them).
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (const double bold : {0.0, 0.25})
    for (double c : {0.5, 0.9}) {
      std::vector<double> x;
      for (int i = 0; i < 60; ++i) x.push_back(i % 7 == 0 ? 0.0 : 0.6 + 0.3 * u(g));
      const auto cs = feed(x, {.truncation = c, .bold_weight = bold});
      double plus = INFINITY, minus = -INFINITY;
      for (int k = 0; k <= 4000; ++k) {
        const double m = k / 4000.0;
        const double p = cs.log_capital_plus(m), n = cs.log_capital_minus(m);
        EXPECT_LE(p, plus + 1e-12) << m;
        EXPECT_GE(n, minus - 1e-12) << m;
        plus = p, minus = n;
      }
      // The endpoints are where the capitals cross the threshold.
      const Interval i = cs.current_set();
      EXPECT_NEAR(cs.log_capital_plus(i.lo), cs.log_threshold(), 1e-9);
      EXPECT_NEAR(cs.log_capital_minus(i.hi), cs.log_threshold(), 1e-9);
    }
}

TEST(BettingConfidenceSequence, RunningIntersectionIsNestedAndInsideEachSet) {
  std::mt19937_64 g(11);
  std::bernoulli_distribution collapse(0.1);
  std::normal_distribution<double> good(0.75, 0.05);
  BettingConfidenceSequence cs({.horizon = 200, .target_half_width = 0.02});
  Interval before = cs.running();
  EXPECT_EQ(before, (Interval{0, 1}));
  for (int t = 1; t <= 200; ++t) {
    cs.add(collapse(g) ? 0.02 : std::clamp(good(g), 0.0, 1.0));
    const Interval now = cs.look(), set = cs.current_set();
    EXPECT_GE(now.lo, before.lo) << t;
    EXPECT_LE(now.hi, before.hi) << t;
    // (Endpoints are located to 1e-14 from different starting brackets.)
    EXPECT_GE(now.lo, set.lo - 1e-13) << t;
    EXPECT_LE(now.hi, set.hi + 1e-13) << t;
    EXPECT_LE(now.lo, now.hi) << t;
    EXPECT_EQ(cs.running(), now);
    before = now;
  }
  EXPECT_LT(before.half_width(), 0.1);  // and it does shrink
}

TEST(BettingConfidenceSequence, EarlyIntervalsContainTheSampleMean) {
  // A few observations cannot bet the capital at their own mean up to 2/alpha: the set at each time
  // contains the sample mean. (The running intersection need not: a streak of ones can lift the lower end
  // above a later mean, and stays there; that is the price of keeping every look's guarantee.)
  std::mt19937_64 g(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::bernoulli_distribution coin(0.5);
  for (int sequence = 0; sequence < 200; ++sequence) {
    BettingConfidenceSequence cs(sequence % 2 ? BettingOptions{}
                                              : BettingOptions{.horizon = 100, .target_half_width = 0.02});
    const int kind = sequence % 4;
    for (int t = 1; t <= 20; ++t) {
      const double x = kind == 0 ? u(g) : kind == 1 ? (coin(g) ? 1.0 : 0.0) : kind == 2 ? 0.8 : u(g) * u(g);
      cs.add(x);
      cs.look();
      const Interval i = cs.current_set();
      EXPECT_TRUE(i.contains(cs.mean())) << sequence << " t=" << t << " [" << i.lo << ", " << i.hi << "]";
    }
  }
}

TEST(BettingConfidenceSequence, CoversTheMeanAtAllTimesAtOnce) {
  // Time-uniform coverage: the true mean must lie in every look's interval, i.e. in the final running
  // intersection. Misses over 400 sequences are Binomial(400, <= 0.05): mean <= 20, sd <= 4.4; failing
  // needs > 33 (3 sd) from a correct implementation. A sequence that ignored the running intersection
  // or used a z-interval would not be anytime-valid, but coverage here is typically far above 95%.
  struct Dist {
    double mean;
    std::function<double(std::mt19937_64&)> draw;
  };
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<Dist> dists{
      {0.3, [](std::mt19937_64& g) { return std::bernoulli_distribution(0.3)(g) ? 1.0 : 0.0; }},
      {0.5, [u](std::mt19937_64& g) mutable { return u(g); }},
      {0.04, [](std::mt19937_64& g) { return std::bernoulli_distribution(0.05)(g) ? 0.8 : 0.0; }},
      {0.92 * 0.8 + 0.08 * 0.05, [u](std::mt19937_64& g) mutable { return u(g) < 0.08 ? 0.1 * u(g) : 0.8; }},
  };
  std::mt19937_64 g(99);
  for (std::size_t d = 0; d < dists.size(); ++d)
    for (const BettingOptions o :
         {BettingOptions{}, BettingOptions{.horizon = 150, .target_half_width = 0.02},
          BettingOptions{.horizon = 150, .target_half_width = 0.02, .bold_weight = 0.25},
          BettingOptions{.horizon = 150, .bold_weight = 0.25}}) {
      const int sims = 400;
      int missed = 0;
      for (int s = 0; s < sims; ++s) {
        BettingConfidenceSequence cs(o);
        for (int t = 1; t <= 150; ++t) {
          cs.add(dists[d].draw(g));
          if (t % 5 == 0) cs.look();
        }
        missed += cs.running().contains(dists[d].mean) ? 0 : 1;
      }
      EXPECT_LE(missed, 33) << "distribution " << d << " horizon " << o.horizon;
    }
}

TEST(BettingConfidenceSequence, RejectsBadInput) {
  EXPECT_THROW(BettingConfidenceSequence({.alpha = 0}), std::invalid_argument);
  EXPECT_THROW(BettingConfidenceSequence({.truncation = 1}), std::invalid_argument);
  EXPECT_THROW(BettingConfidenceSequence({.horizon = -1}), std::invalid_argument);
  EXPECT_THROW(BettingConfidenceSequence({.bold_weight = 1}), std::invalid_argument);
  EXPECT_THROW(BettingConfidenceSequence({.bold_weight = -0.1}), std::invalid_argument);
  EXPECT_THROW(BettingConfidenceSequence({.bold_weight = 0.25, .bold_share = 1}), std::invalid_argument);
  BettingConfidenceSequence cs;
  EXPECT_THROW(cs.add(1.5), std::invalid_argument);
  EXPECT_THROW(cs.add(-0.1), std::invalid_argument);
  EXPECT_THROW(cs.add(NAN), std::invalid_argument);
  EXPECT_EQ(cs.look(), (Interval{0, 1}));
  EXPECT_TRUE(std::isnan(cs.mean()));
}

}  // namespace
