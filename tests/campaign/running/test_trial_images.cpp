// Per-trial image samples: uniform without replacement, keyed by (seed, trial) alone, copied faithfully, and
// in a campaign an unbiased estimate of the whole pool's accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/trial_images.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

data::PreprocessedSet numbered_pool(std::size_t n) {
  data::PreprocessedSet pool;
  pool.channels = 2;
  pool.height = pool.width = 1;
  for (std::size_t i = 0; i < n; ++i) {
    pool.tensor.push_back(static_cast<float>(i));
    pool.tensor.push_back(-static_cast<float>(i));
    pool.targets.push_back(static_cast<int>(i % 7));
    pool.indices.push_back(1000 + i);
  }
  return pool;
}

}  // namespace

TEST(TrialImages, SamplesAreDistinctSortedKeyedAndCopiedFaithfully) {
  const auto pool = numbered_pool(50);
  TrialImages images(pool, 8);
  const auto a = images.positions(3, 11);
  EXPECT_EQ(a, images.positions(3, 11));  // pure function of the key
  EXPECT_NE(a, images.positions(3, 12));
  EXPECT_NE(a, images.positions(4, 11));
  ASSERT_EQ(a.size(), 8u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 8u);
  const auto& s = images.sample(3, 11);
  ASSERT_EQ(s.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(s.tensor[2 * i], static_cast<float>(a[i]));
    EXPECT_EQ(s.tensor[2 * i + 1], -static_cast<float>(a[i]));
    EXPECT_EQ(s.targets[i], static_cast<int>(a[i] % 7));
    EXPECT_EQ(s.indices[i], 1000 + a[i]);
  }
  TrialImages all(pool, 50);
  const auto whole = all.positions(3, 11);
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(whole[i], i);
  EXPECT_THROW(TrialImages(pool, 0), std::invalid_argument);
  EXPECT_THROW(TrialImages(pool, 51), std::invalid_argument);
}

// Each position is included with probability m/N: chi-square of inclusion counts over 4000 trials, plus a
// negative control (a sampler biased towards low positions would fail the same statistic).
TEST(TrialImages, EveryImageIsEquallyLikely) {
  const std::size_t n = 40, m = 10;
  const auto pool = numbered_pool(n);
  TrialImages images(pool, m);
  const int trials = 4000;
  std::vector<double> count(n, 0);
  for (int t = 0; t < trials; ++t)
    for (auto p : images.positions(9, static_cast<std::uint64_t>(t))) count[p] += 1;
  const double expected = static_cast<double>(trials) * m / n;
  double chi2 = 0;
  for (double c : count) chi2 += (c - expected) * (c - expected) / expected;
  // 39 degrees of freedom (slightly conservative: inclusions within a trial are negatively correlated);
  // P(chi2 > 72) ~ 1e-3.
  EXPECT_LT(chi2, 72) << chi2;
  // Power: the classic off-by-one of a partial Fisher-Yates (swap with [i+1, n) instead of [i, n)) fails it.
  std::vector<double> off_by_one(n, 0);
  std::mt19937_64 rng(9);
  for (int t = 0; t < trials; ++t) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    for (std::size_t i = 0; i < m; ++i) std::swap(order[i], order[i + 1 + rng() % (n - i - 1)]);
    for (std::size_t i = 0; i < m; ++i) off_by_one[order[i]] += 1;
  }
  double chi2_bug = 0;
  for (double c : off_by_one) chi2_bug += (c - expected) * (c - expected) / expected;
  EXPECT_GT(chi2_bug, 72) << chi2_bug;
}

// A campaign whose faults change nothing (BER 1e-12 on ~270k weights) with 20 of 200 images per trial: the
// mean over trials estimates the whole pool's accuracy (its clean record), within 4 standard errors.
TEST(TrialImages, CampaignTrialsEstimateThePoolAccuracy) {
  const auto results = flipguard::testing::scratch_path("trial_images.jsonl");
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {0, 1e-12};
  c.trials = 60;
  c.images_per_trial = 20;
  const auto records = flipguard::testing::run_campaign_records(c);
  ASSERT_EQ(records.size(), 61u);
  double pool = -1, sum = 0, sum_sq = 0;
  std::set<std::int64_t> distinct;
  for (const auto& r : records) {
    if (r.ber == 0) {
      EXPECT_EQ(r.images, 200);
      pool = r.top1_percent();
      continue;
    }
    EXPECT_EQ(r.images, 20);
    EXPECT_EQ(r.changed_weights, 0);
    sum += r.top1_percent();
    sum_sq += r.top1_percent() * r.top1_percent();
    distinct.insert(r.top1);
  }
  const double mean = sum / 60, sd = std::sqrt((sum_sq - 60 * mean * mean) / 59);
  EXPECT_GT(distinct.size(), 2u);  // the samples differ, so do their scores
  EXPECT_NEAR(mean, pool, 4 * sd / std::sqrt(60.0));
  // Scoring all 200 images per trial would be a different campaign: its results file is refused.
  c.images_per_trial = 0;
  EXPECT_THROW(flipguard::testing::run_campaign_records(c), std::exception);
  fs::remove(results);
}
