#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "metrics/sdc.hpp"

using namespace flipguard::metrics;

// Six images of 7 classes; the expected counts are worked out by hand in the comments.
TEST(Sdc, CountsAgainstAHandComputation) {
  const float nan = NAN, inf = INFINITY;
  const std::vector<float> clean{
      9, 1, 2, 3, 4, 5, 0,  // 0: top-1 class 0; top-5 {0, 6th=5(5), 4(4), 3(3), 2(2)}
      0, 8, 7, 6, 5, 4, 3,  // 1: top-1 1; top-5 {1, 2, 3, 4, 5}
      0, 8, 7, 6, 5, 4, 3,  // 2: same clean row
      0, 8, 7, 6, 5, 4, 3,  // 3: same clean row
      1, 1, 1, 1, 1, 1, 2,  // 4: top-1 6
      1, 2, 3, 4, 5, 6, 7,  // 5: top-1 6
  };
  const std::vector<float> faulty{
      9, 1, 2,   3,
      4, 5, 0,  // 0: identical: no SDC, no error
      0, 8, 7,   6,
      5, 4, 3.5,  // 1: same top-1; |delta| 0.5 on class 6
      0, 6, 7,   6,
      5, 4, 3,  // 2: top-1 becomes 2, which is in the clean top-5: SDC-1 only; |delta| 2
      9, 8, 7,   6,
      5, 4, 3,  // 3: top-1 becomes 0, outside the clean top-5 (rank 6): SDC-1 and SDC-5; |delta| 9
      1, 1, 1,   nan,
      1, 1, 2,  // 4: NaN: corrupted, counted apart, no logit error
      1, 2, 3,   4,
      5, 6, inf,  // 5: Inf: the same
  };
  const SdcCounts c = compare_logits(faulty, clean, 7);
  EXPECT_EQ(c.images, 6);
  EXPECT_EQ(c.sdc1, 4);  // images 2, 3, 4, 5
  EXPECT_EQ(c.sdc5, 3);  // images 3, 4, 5
  EXPECT_EQ(c.non_finite, 2);
  EXPECT_DOUBLE_EQ(c.max_abs_error, 9.0);
  // Squared errors over the finite images 0-3: 0.25 + 4 + 81; clean squares of the same rows.
  const double clean_sq = (81 + 1 + 4 + 9 + 16 + 25 + 0) + 3 * (0 + 64 + 49 + 36 + 25 + 16 + 9);
  EXPECT_DOUBLE_EQ(c.error_squares, 85.25);
  EXPECT_DOUBLE_EQ(c.clean_squares, clean_sq);
  EXPECT_DOUBLE_EQ(c.relative_l2(), std::sqrt(85.25 / clean_sq));
  EXPECT_DOUBLE_EQ(c.sdc1_percent(), 100.0 * 4 / 6);
  EXPECT_DOUBLE_EQ(c.sdc5_percent(), 50.0);
}

TEST(Sdc, BatchesAddUpToTheWhole) {
  const std::vector<float> clean{1, 2, 3, 3, 2, 1, 0, 5, 1};
  const std::vector<float> faulty{3, 2, 1, 3, 2, 1, 0, 5, 7};
  const SdcCounts whole = compare_logits(faulty, clean, 3);
  SdcCounts parts = compare_logits(std::span(faulty).first(3), std::span(clean).first(3), 3);
  parts.add(compare_logits(std::span(faulty).subspan(3), std::span(clean).subspan(3), 3));
  EXPECT_EQ(parts.images, whole.images);
  EXPECT_EQ(parts.sdc1, whole.sdc1);
  EXPECT_EQ(parts.sdc1, 2);
  EXPECT_DOUBLE_EQ(parts.max_abs_error, whole.max_abs_error);
  EXPECT_DOUBLE_EQ(parts.relative_l2(), whole.relative_l2());
}

TEST(Sdc, TiesGoToTheFirstClassAndNoChangeIsNoError) {
  EXPECT_EQ(top1_class(std::vector<float>{1, 3, 3, 2}), 1);
  EXPECT_EQ(top1_class(std::vector<float>{1, NAN, 3}), -1);
  const std::vector<float> row{0, 0, 0};
  const SdcCounts c = compare_logits(row, row, 3);
  EXPECT_EQ(c.sdc1, 0);
  EXPECT_EQ(c.relative_l2(), 0.0);
  // All-zero clean logits and a change: an infinite relative error, not a division by zero's NaN.
  const SdcCounts d = compare_logits(std::vector<float>{0, 1, 0}, row, 3);
  EXPECT_TRUE(std::isinf(d.relative_l2()));
}

// Quantised logits (an output value stored in int8) tie often: the clean Top-1 tied with seven others is
// still the clean Top-1, so the same logits are no SDC-5, and over any rows SDC-5 never exceeds SDC-1.
TEST(Sdc, TiedQuantisedLogitsNeverMakeSdc5WithoutSdc1) {
  const std::vector<float> tied{0.5f, 2, 2, 2, 2, 2, 2, 2, 2, 1};
  const SdcCounts same = compare_logits(tied, tied, 10);
  EXPECT_EQ(same.sdc1, 0);
  EXPECT_EQ(same.sdc5, 0);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> level(-3, 3);  // a few levels: ties everywhere
  for (int round = 0; round < 200; ++round) {
    std::vector<float> faulty(8 * 12), clean(8 * 12);
    for (auto& v : faulty) v = static_cast<float>(level(rng));
    for (auto& v : clean) v = static_cast<float>(level(rng));
    const SdcCounts c = compare_logits(faulty, clean, 12);
    ASSERT_LE(c.sdc5, c.sdc1) << "round " << round;
  }
  // A faulty Top-1 with five classes strictly above it in the clean logits is SDC-5.
  const std::vector<float> clean{9, 8, 7, 6, 5, 1};
  const std::vector<float> faulty{0, 0, 0, 0, 0, 3};
  EXPECT_EQ(compare_logits(faulty, clean, 6).sdc5, 1);
}

TEST(Sdc, MismatchedSizesAreRefused) {
  EXPECT_THROW(compare_logits(std::vector<float>(6), std::vector<float>(3), 3), std::invalid_argument);
  EXPECT_THROW(compare_logits(std::vector<float>(5), std::vector<float>(5), 3), std::invalid_argument);
}
