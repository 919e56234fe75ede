#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/stop_decision.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "stats/betting_interval.hpp"
#include "stats/binomial.hpp"

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
  for (auto& r : rs)
    r.memory_overhead = 0.125, r.adaptive.interval = flipguard::stats::IntervalMethod::student_t;
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
  EXPECT_NEAR(s.top1.lo, 80 - s.top1.ci95, 1e-12);
  EXPECT_NEAR(s.top1.hi, 80 + s.top1.ci95, 1e-12);
  EXPECT_EQ(s.interval, "t");
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

TEST(Summarize, FaultyCellsGetTheBettingIntervalOfTheirRule) {
  // Fixed trials: the fixed-n betting interval over the trials in trial order (records may come in any
  // order). Asymmetric: a collapse pulls the lower end far down.
  std::vector<TrialRecord> rs;
  const std::vector<std::int64_t> top1{160, 158, 10, 162, 161, 159, 160, 163};
  for (std::size_t t = top1.size(); t-- > 0;)
    rs.push_back(record("fp32", "none", 1e-7, static_cast<std::int64_t>(t), top1[t]));
  const auto s = summarize(rs);
  std::vector<double> x;
  for (auto v : top1) x.push_back(static_cast<double>(v) / 200);
  // The default method mixes the bold bet into the capital (betting-mix); plain betting on request.
  const auto expected = flipguard::stats::fixed_n_betting_interval(
      x, 0.05, flipguard::stats::BettingOptions{}.truncation, flipguard::stats::kBoldWeight);
  EXPECT_EQ(s.interval, "betting-mix");
  EXPECT_NEAR(s.top1.lo, 100 * expected.lo, 1e-12);
  EXPECT_NEAR(s.top1.hi, 100 * expected.hi, 1e-12);
  auto plain_records = rs;
  for (auto& r : plain_records) r.adaptive.interval = flipguard::stats::IntervalMethod::betting;
  const auto plain = summarize(plain_records);
  const auto plain_expected = flipguard::stats::fixed_n_betting_interval(x);
  EXPECT_EQ(plain.interval, "betting");
  EXPECT_NEAR(plain.top1.lo, 100 * plain_expected.lo, 1e-12);
  EXPECT_NEAR(plain.top1.hi, 100 * plain_expected.hi, 1e-12);
  EXPECT_NE(plain.top1.hi, s.top1.hi);
  EXPECT_LT(s.top1.lo, s.top1.mean);
  EXPECT_GT(s.top1.hi, s.top1.mean);
  EXPECT_GT(s.top1.mean - s.top1.lo, s.top1.hi - s.top1.mean);
  // Adaptive: the interval the stopping rule saw (the confidence sequence looked at after each wave).
  for (auto& r : rs) r.adaptive = StoppingRule{.ci_target = 2, .min_trials = 4, .max_trials = 100, .wave = 4};
  const auto a = summarize(rs);
  const auto d = decide(std::vector<double>{80, 79, 5, 81, 80.5, 79.5, 80, 81.5}, rs[0].adaptive);
  EXPECT_NEAR(a.top1.lo, d.interval.lo, 1e-12);
  EXPECT_NEAR(a.top1.hi, d.interval.hi, 1e-12);
  EXPECT_EQ(a.stopped, "incomplete");
}

TEST(Summarize, CleanCellsGetTheBinomialIntervalOverTheirImages) {
  const std::vector<TrialRecord> rs{record("fp32", "none", 0, 0, 150, 200)};
  const auto s = summarize(rs);
  const auto cp = flipguard::stats::clopper_pearson(150, 200);
  EXPECT_EQ(s.interval, "binomial");
  EXPECT_NEAR(s.top1.lo, 100 * cp.lo, 1e-12);
  EXPECT_NEAR(s.top1.hi, 100 * cp.hi, 1e-12);
  EXPECT_TRUE(s.top1.lo < 75 && 75 < s.top1.hi);
  EXPECT_GT(s.top1.ci95, 5);  // 200 images: about +-6 points
  EXPECT_LT(s.top1.ci95, 7);
}

TEST(Summarize, RecordsWithoutAnIntervalMethodReadAsStudentT) {
  // Files written before the setting existed were stopped and reported with t.
  TrialRecord r = record("fp32", "none", 1e-4, 0, 150);
  nlohmann::json j = r;
  EXPECT_EQ(j.at("interval"), "betting-mix");
  j["interval"] = "betting";
  EXPECT_EQ(j.get<TrialRecord>().adaptive.interval, flipguard::stats::IntervalMethod::betting);
  j.erase("interval");
  EXPECT_EQ(j.get<TrialRecord>().adaptive.interval, flipguard::stats::IntervalMethod::student_t);
  j["interval"] = "t";
  EXPECT_EQ(j.get<TrialRecord>().adaptive.interval, flipguard::stats::IntervalMethod::student_t);
  j["interval"] = "normal";
  EXPECT_THROW(j.get<TrialRecord>(), std::exception);
  // The clean record carries none: its interval is always binomial.
  const nlohmann::json clean = record("fp32", "none", 0, 0, 150);
  EXPECT_FALSE(clean.contains("interval"));
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
