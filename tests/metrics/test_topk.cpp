#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "metrics/topk.hpp"

using namespace flipguard::metrics;

TEST(TopK, RankCountsStrictlyGreaterLogits) {
  const std::vector<float> l{0.1f, 0.9f, 0.5f, 0.7f};
  EXPECT_EQ(target_rank(l, 1), 0);
  EXPECT_EQ(target_rank(l, 3), 1);
  EXPECT_EQ(target_rank(l, 2), 2);
  EXPECT_EQ(target_rank(l, 0), 3);
  EXPECT_THROW(target_rank(l, 4), std::out_of_range);
}

TEST(TopK, TiesGoAgainstTheTarget) {
  // A constant row (a collapsed model) is a miss for every target, not a hit.
  const std::vector<float> flat(10, 0.25f);
  for (int t = 0; t < 10; ++t) EXPECT_EQ(target_rank(flat, t), 9);
  const std::vector<float> tie{0.1f, 0.9f, 0.9f, 0.2f};
  EXPECT_EQ(target_rank(tie, 1), 1);
  EXPECT_EQ(target_rank(tie, 2), 1);
  const std::vector<int> targets{3};
  const auto c = score(flat, targets, 10);
  EXPECT_EQ(c.top1, 0);
  EXPECT_EQ(c.top5, 0);
}

TEST(TopK, NonFiniteRowsAreMissesAndCounted) {
  const float inf = INFINITY, nan = NAN;
  const std::vector<float> logits{1,   2, 3,   4, 5, 6,   // row 0: target 5 is top-1
                                  nan, 0, 0,   0, 0, 9,   // row 1: NaN anywhere: a miss
                                  0,   0, inf, 0, 0, 0};  // row 2: target Inf logit: a miss
  const std::vector<int> targets{5, 5, 2};
  const auto c = score(logits, targets, 6);
  EXPECT_EQ(c.images, 3);
  EXPECT_EQ(c.top1, 1);
  EXPECT_EQ(c.top5, 1);
  EXPECT_EQ(c.non_finite, 2);
}

TEST(TopK, MatchesSortBasedReferenceOnRandomLogits) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  const int classes = 50, n = 400;
  std::vector<float> logits(classes * n);
  std::vector<int> targets(n);
  for (auto& v : logits) v = g(rng);
  for (auto& t : targets) t = static_cast<int>(rng() % classes);
  const auto c = score(logits, targets, classes);
  std::int64_t top1 = 0, top5 = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<int> order(classes);
    for (int k = 0; k < classes; ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return logits[i * classes + a] > logits[i * classes + b]; });
    top1 += order[0] == targets[i];
    top5 += std::find(order.begin(), order.begin() + 5, targets[i]) != order.begin() + 5;
  }
  EXPECT_EQ(c.top1, top1);
  EXPECT_EQ(c.top5, top5);
  EXPECT_GT(c.top5, c.top1);
}
