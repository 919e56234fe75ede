// The early stop below a floor, checked by simulation: false stops at the floor are rare, stops far below it
// quick. (The Clopper-Pearson bound it uses is tested in tests/stats/test_binomial.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "campaign/planning/accuracy_floor.hpp"

using namespace flipguard::campaign;

namespace {

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
