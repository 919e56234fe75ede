#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "metrics/batch_scoring.hpp"

using namespace flipguard;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Three images of four classes: image 0 right at Top-1, image 1 right at Top-2, image 2 non-finite.
const std::vector<float> kLogits{4, 1, 2, 3, 1, 5, 4, 0, kNaN, 1, 2, 3};
const std::vector<int> kLabels{0, 2, 1};
const std::vector<float> kClean{4, 1, 2, 3, 0, 4, 5, 1, 1, 2, 3, 4};

}  // namespace

TEST(BatchScoring, LabelledBatchCountsWhatScoreCounts) {
  metrics::TopKCounts counts;
  metrics::SdcCounts sdc;
  metrics::score_batch({kLogits, kLabels, {}, 4}, counts, sdc);
  const auto expected = metrics::score(kLogits, kLabels, 4);
  EXPECT_EQ(counts.images, 3);
  EXPECT_EQ(counts.top1, expected.top1);
  EXPECT_EQ(counts.top5, expected.top5);
  EXPECT_EQ(counts.top1, 1);
  EXPECT_EQ(counts.non_finite, 1);
  EXPECT_EQ(sdc.images, 0) << "no fault-free logits: nothing compared";
}

TEST(BatchScoring, WithoutLabelsOnlyImagesAndNonFiniteRowsAreCounted) {
  metrics::TopKCounts counts;
  metrics::SdcCounts sdc;
  metrics::score_batch({kLogits, {}, kClean, 4}, counts, sdc);
  EXPECT_EQ(counts.images, 3);
  EXPECT_EQ(counts.non_finite, 1);
  EXPECT_EQ(counts.top1, 0);
  EXPECT_EQ(counts.top5, 0);
  const auto expected = metrics::compare_logits(kLogits, kClean, 4);
  EXPECT_EQ(sdc.images, 3);
  EXPECT_EQ(sdc.sdc1, expected.sdc1);
  EXPECT_EQ(sdc.sdc1, 2);  // image 1 moved from class 2 to 1; image 2 is NaN
  EXPECT_EQ(sdc.non_finite, 1);
  EXPECT_EQ(sdc.max_abs_error, expected.max_abs_error);
  EXPECT_EQ(sdc.error_squares, expected.error_squares);
}

TEST(BatchScoring, BatchesAddUpToTheWholePass) {
  metrics::TopKCounts whole_counts, split_counts;
  metrics::SdcCounts whole_sdc, split_sdc;
  metrics::score_batch({kLogits, kLabels, kClean, 4}, whole_counts, whole_sdc);
  const std::span<const float> logits(kLogits), clean(kClean);
  const std::span<const int> labels(kLabels);
  metrics::score_batch({logits.first(8), labels.first(2), clean.first(8), 4}, split_counts, split_sdc);
  metrics::score_batch({logits.subspan(8), labels.subspan(2), clean.subspan(8), 4}, split_counts, split_sdc);
  EXPECT_EQ(split_counts.images, whole_counts.images);
  EXPECT_EQ(split_counts.top1, whole_counts.top1);
  EXPECT_EQ(split_counts.top5, whole_counts.top5);
  EXPECT_EQ(split_counts.non_finite, whole_counts.non_finite);
  EXPECT_EQ(split_sdc.sdc1, whole_sdc.sdc1);
  EXPECT_EQ(split_sdc.sdc5, whole_sdc.sdc5);
  EXPECT_EQ(split_sdc.error_squares, whole_sdc.error_squares);
}

TEST(BatchScoring, RejectsLogitsThatAreNotRowsOfTheClasses) {
  metrics::TopKCounts counts;
  metrics::SdcCounts sdc;
  EXPECT_THROW(metrics::score_batch({kLogits, {}, {}, 5}, counts, sdc), std::invalid_argument);
  EXPECT_THROW(metrics::score_batch({kLogits, {}, {}, 0}, counts, sdc), std::invalid_argument);
  EXPECT_THROW(metrics::score_batch({kLogits, kLabels, {}, 5}, counts, sdc), std::invalid_argument);
  EXPECT_EQ(counts.images, 0);
}
