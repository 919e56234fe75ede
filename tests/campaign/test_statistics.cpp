#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "campaign/statistics.hpp"

using namespace flipguard::campaign;

namespace {

TrialRecord record(std::string format, std::string protection, double ber, std::int64_t trial,
                   std::int64_t top1, std::int64_t images = 200) {
  TrialRecord r;
  r.format = std::move(format);
  r.protection = std::move(protection);
  r.ber = ber;
  r.trial = trial;
  r.images = images;
  r.top1 = top1;
  r.top5 = std::min(images, top1 + 10);
  return r;
}

}  // namespace

TEST(StudentT, MatchesPublishedTableValues) {
  // Two-sided 95% critical values from standard t tables (3 decimals).
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.303, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 5), 4.032, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.95, 20), 1.725, 5e-4);
  // Large df tends to the normal quantile 1.95996.
  EXPECT_NEAR(student_t_quantile(0.975, 1e5), 1.95996, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 1e9), 1.959964, 1e-5);
}

TEST(StudentT, MatchesClosedFormsForOneAndTwoDegreesOfFreedom) {
  // df = 1 is the Cauchy distribution: tan(pi (p - 1/2)); df = 2: (2p - 1) / sqrt(2 p (1 - p)).
  for (double p : {0.55, 0.8, 0.9, 0.975, 0.999, 0.99999}) {
    const double cauchy = std::tan(std::numbers::pi * (p - 0.5));
    EXPECT_NEAR(student_t_quantile(p, 1), cauchy, 1e-9 * cauchy) << p;
    const double two = (2 * p - 1) / std::sqrt(2 * p * (1 - p));
    EXPECT_NEAR(student_t_quantile(p, 2), two, 1e-9 * two) << p;
    EXPECT_NEAR(student_t_quantile(1 - p, 2), -two, 1e-9 * two) << p;
  }
  EXPECT_EQ(student_t_quantile(0.5, 7), 0);
}

TEST(StudentT, RejectsBadArguments) {
  EXPECT_THROW(student_t_quantile(0, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(1, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(NAN, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(0.9, 0), std::invalid_argument);
}

TEST(EstimateMean, CiCoversTheTrueMeanAboutNinetyFivePercentOfTheTime) {
  // 2000 samples of n = 5 from N(70, 3^2): the count of intervals containing 70 is Binomial(2000, 0.95),
  // sd ~ 9.7; 4 sd either side fails a correct implementation with probability ~6e-5 (and the seed is fixed).
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> normal(70, 3);
  const int samples = 2000;
  int covered = 0;
  for (int s = 0; s < samples; ++s) {
    std::vector<double> v(5);
    for (double& x : v) x = normal(rng);
    const auto e = estimate_mean(v);
    if (std::fabs(e.mean - 70) <= e.ci95) ++covered;
  }
  const double expected = 0.95 * samples, sd = std::sqrt(samples * 0.95 * 0.05);
  EXPECT_NEAR(covered, expected, 4 * sd);
  // A z-interval (1.96 instead of t_{0.975,4} = 2.776) would cover only ~88%: far outside this band.
  EXPECT_LT(0.88 * samples, expected - 4 * sd);
}

TEST(EstimateMean, SampleStdAndHalfWidth) {
  const std::vector<double> v{1, 2, 3, 4};  // mean 2.5, sample variance 5/3
  const auto e = estimate_mean(v);
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  EXPECT_NEAR(e.std, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_NEAR(e.ci95, 3.182446 * std::sqrt(5.0 / 3.0) / 2, 1e-5);  // t_{0.975,3} = 3.182446
  const std::vector<double> one{42};
  const auto single = estimate_mean(one);
  EXPECT_EQ(single.mean, 42);
  EXPECT_TRUE(std::isnan(single.std));
  EXPECT_TRUE(std::isnan(single.ci95));
  EXPECT_THROW(estimate_mean(std::span<const double>{}), std::invalid_argument);
}

TEST(Summarize, AggregatesACell) {
  std::vector<TrialRecord> rs{record("q2.5", "ecc72", 1e-4, 0, 150), record("q2.5", "ecc72", 1e-4, 1, 160),
                              record("q2.5", "ecc72", 1e-4, 2, 170)};
  rs[0].flips = 10, rs[1].flips = 20, rs[2].flips = 33;
  rs[0].changed_weights = 3, rs[1].changed_weights = 4, rs[2].changed_weights = 8;
  rs[1].non_finite = 2;
  rs[0].ecc_corrected = 9, rs[1].ecc_corrected = 18, rs[2].ecc_corrected = 30;
  rs[2].ecc_detected = 3;
  for (auto& r : rs) r.memory_overhead = 0.125;
  const auto s = summarize(rs);
  EXPECT_EQ(s.format, "q2.5");
  EXPECT_EQ(s.protection, "ecc72");
  EXPECT_EQ(s.ber, 1e-4);
  EXPECT_EQ(s.trials, 3);
  EXPECT_EQ(s.images, 200);
  // Top-1 75, 80, 85 percent: mean 80, sd 5, half-width t_{0.975,2} 5 / sqrt(3).
  EXPECT_NEAR(s.top1.mean, 80, 1e-12);
  EXPECT_NEAR(s.top1.std, 5, 1e-12);
  EXPECT_NEAR(s.top1.ci95, 4.302653 * 5 / std::sqrt(3.0), 1e-5);
  EXPECT_NEAR(s.top5.mean, 85, 1e-12);
  EXPECT_EQ(s.top1_min, 75);
  EXPECT_EQ(s.top1_max, 85);
  EXPECT_NEAR(s.non_finite_share, 1.0 / 3, 1e-15);
  EXPECT_NEAR(s.flips_mean, 21, 1e-12);
  EXPECT_NEAR(s.changed_weights_mean, 5, 1e-12);
  EXPECT_NEAR(s.ecc_corrected_mean, 19, 1e-12);
  EXPECT_NEAR(s.ecc_detected_mean, 1, 1e-12);
  EXPECT_EQ(s.memory_overhead, 0.125);
}

TEST(Summarize, RejectsEmptyAndMixedCells) {
  EXPECT_THROW(summarize({}), std::invalid_argument);
  const std::vector<TrialRecord> mixed{record("q2.5", "none", 1e-4, 0, 1),
                                       record("q2.5", "none", 1e-5, 1, 1)};
  EXPECT_THROW(summarize(mixed), std::invalid_argument);
}

TEST(GroupCells, KeysByCellAndOrdersFirstSeenThenBerAscending) {
  const std::vector<TrialRecord> rs{record("q2.5", "scale", 1e-4, 0, 1), record("fp16", "none", 1e-5, 0, 2),
                                    record("q2.5", "none", 1e-6, 0, 3),  record("q2.5", "scale", 1e-6, 0, 4),
                                    record("q2.5", "scale", 1e-4, 1, 5), record("q2.5", "scale", 0, 0, 6),
                                    record("fp16", "none", 1e-7, 0, 7)};
  const auto cells = group_cells(rs);
  ASSERT_EQ(cells.size(), 6u);
  struct Want {
    const char* format;
    const char* protection;
    double ber;
    std::size_t n;
  };
  const Want want[] = {{"q2.5", "scale", 0, 1},   {"q2.5", "scale", 1e-6, 1}, {"q2.5", "scale", 1e-4, 2},
                       {"q2.5", "none", 1e-6, 1}, {"fp16", "none", 1e-7, 1},  {"fp16", "none", 1e-5, 1}};
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].format, want[i].format) << i;
    EXPECT_EQ(cells[i].protection, want[i].protection) << i;
    EXPECT_EQ(cells[i].ber, want[i].ber) << i;
    ASSERT_EQ(cells[i].records.size(), want[i].n) << i;
    for (const auto& r : cells[i].records) EXPECT_EQ(r.cell_key(), cells[i].records[0].cell_key());
  }
  // Trials keep their file order within a cell.
  EXPECT_EQ(cells[2].records[0].top1, 1);
  EXPECT_EQ(cells[2].records[1].top1, 5);
  EXPECT_TRUE(group_cells({}).empty());
  auto bad = rs;
  bad[3].ber = NAN;
  EXPECT_THROW(group_cells(bad), std::invalid_argument);
}
