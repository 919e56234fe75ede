// A language model's trial records: their next-token counts in the JSON object "lm" (written, read back,
// refused when inconsistent), the metrics read from them (perplexity blow-ups against the fault-free NLL on
// the same positions), and cells summarising them (medians with order-statistic intervals, the other task's
// metrics not measured).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "metrics/metric_registry.hpp"

using namespace flipguard::campaign;
using flipguard::metrics::Metric;

namespace {

// A trial over 1000 positions whose mean NLL is `nll` against a fault-free mean of `clean_nll`.
TrialRecord lm_record(double ber, std::int64_t trial, double nll, double clean_nll = 3.0) {
  TrialRecord r;
  r.format = "fp16";
  r.protection = "none";
  r.ber = ber;
  r.trial = trial;
  r.images = 8;
  r.labelled = false;
  r.has_sdc = true;
  r.tokens.positions = 1000;
  r.tokens.top1 = 300;
  r.tokens.top5 = 550;
  r.tokens.sdc = ber > 0 ? 40 : 0;
  r.tokens.nll_sum = 1000 * nll;
  r.tokens.kl_sum = ber > 0 ? 1000 * (nll - clean_nll) : 0;
  r.clean_nll_sum = 1000 * clean_nll;
  return r;
}

}  // namespace

TEST(LmRecord, CountsGiveTheTokenMetricsAndBlowUpsAgainstTheSamePositions) {
  const double clean = 3.0;
  const auto c = lm_record(1e-6, 0, clean + std::log(2.0) + 1e-9).counts();
  EXPECT_EQ(c.lm_trials, 1);
  EXPECT_EQ(c.ppl_2x, 1);  // just above 2x
  EXPECT_EQ(c.ppl_10x, 0);
  EXPECT_NEAR(c.perplexity, 2 * std::exp(clean), 1e-6);
  EXPECT_DOUBLE_EQ(flipguard::metrics::metric_value(Metric::token_top1.info(), c), 30.0);
  EXPECT_DOUBLE_EQ(flipguard::metrics::metric_value(Metric::token_sdc.info(), c), 4.0);
  EXPECT_DOUBLE_EQ(flipguard::metrics::metric_value(Metric::ppl_2x.info(), c), 100.0);
  EXPECT_EQ(lm_record(1e-6, 0, clean + std::log(2.0) - 1e-6).counts().ppl_2x, 0);  // just below
  // A non-finite position: perplexity +inf, a blow-up of any size.
  auto inf = lm_record(1e-6, 0, clean);
  inf.tokens.nll_sum = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isinf(inf.counts().perplexity));
  EXPECT_EQ(inf.counts().ppl_10x, 1);
  // The task decides what a record measures.
  EXPECT_TRUE(inf.measured(Metric::perplexity));
  EXPECT_FALSE(inf.measured(Metric::top1));
  EXPECT_FALSE(inf.measured(Metric::sdc1));
  EXPECT_TRUE(inf.measured(Metric::logit_max_abs));
  TrialRecord image;
  image.has_sdc = true;
  EXPECT_FALSE(image.measured(Metric::token_top1));
  EXPECT_TRUE(image.measured(Metric::sdc1));
}

TEST(LmRecord, JsonRoundTripsIncludingInfiniteNllAndRefusesInconsistentCounts) {
  auto r = lm_record(1e-5, 3, 4.5);
  r.tokens.non_finite = 2;
  r.tokens.nll_sum = std::numeric_limits<double>::infinity();
  r.tokens.kl_sum = std::numeric_limits<double>::infinity();
  nlohmann::json j = r;
  ASSERT_TRUE(j.contains("lm"));
  EXPECT_TRUE(j["lm"]["nll_sum"].is_null());
  EXPECT_FALSE(j.contains("top1"));  // no class labels
  const auto back = j.get<TrialRecord>();
  EXPECT_EQ(back.tokens.positions, 1000);
  EXPECT_EQ(back.tokens.top5, 550);
  EXPECT_EQ(back.tokens.non_finite, 2);
  EXPECT_TRUE(std::isinf(back.tokens.nll_sum));
  EXPECT_DOUBLE_EQ(back.clean_nll_sum, r.clean_nll_sum);
  EXPECT_EQ(nlohmann::json(back).dump(), j.dump());
  // A classifier's record has no "lm".
  TrialRecord image;
  image.has_sdc = true;
  EXPECT_FALSE(nlohmann::json(image).contains("lm"));

  const auto refused = [&](auto&& edit) {
    nlohmann::json bad = lm_record(1e-5, 3, 4.5);
    edit(bad);
    EXPECT_THROW((void)bad.get<TrialRecord>(), std::runtime_error) << bad.dump();
  };
  refused([](nlohmann::json& b) { b["lm"]["top5"] = 200; });  // below top1
  refused([](nlohmann::json& b) { b["lm"]["sdc"] = 1001; });
  refused([](nlohmann::json& b) { b["lm"]["positions"] = 0; });
  refused([](nlohmann::json& b) { b["lm"]["nll_sum"] = -1.0; });
  refused([](nlohmann::json& b) { b["lm"]["clean_nll_sum"] = nullptr; });
  refused([](nlohmann::json& b) {
    b["labelled"] = true;  // class labels beside next-token counts
    b["top1"] = 1;
    b["top5"] = 2;
  });
}

TEST(LmCellSummary, MediansCarryOrderStatisticIntervalsAndClassifierMetricsAreNotMeasured) {
  std::vector<TrialRecord> cell;
  for (int t = 0; t < 41; ++t) cell.push_back(lm_record(1e-5, t, 3.0 + 0.01 * t));
  cell[7].tokens.nll_sum = std::numeric_limits<double>::infinity();  // one collapsed trial
  const CellSummary s = summarize(cell);
  EXPECT_TRUE(s.language_model);
  EXPECT_FALSE(s.measured(Metric::top1));
  EXPECT_FALSE(s.measured(Metric::sdc1));
  EXPECT_TRUE(s.measured(Metric::ppl_2x));
  const auto* q = s.median(Metric::perplexity);
  ASSERT_NE(q, nullptr);
  // 41 values: the median is the 21st; its 95 % order-statistic interval spans ranks 14..28 (Bin(41, 0.5)).
  std::vector<double> ppl;
  for (const auto& r : cell) ppl.push_back(r.counts().perplexity);
  std::sort(ppl.begin(), ppl.end());
  EXPECT_DOUBLE_EQ(q->estimate, ppl[20]);
  EXPECT_LE(q->lo, q->estimate);
  EXPECT_GE(q->hi, q->estimate);
  EXPECT_TRUE(std::isfinite(q->hi));
  EXPECT_DOUBLE_EQ(s.estimate(Metric::token_top1).mean, 30.0);
  // One trial of 41 blew up past 10x: the share's interval covers 1/41 and is a betting interval in [0, 100].
  const auto& blow = s.estimate(Metric::ppl_10x);
  EXPECT_NEAR(blow.mean, 100.0 / 41, 1e-9);
  EXPECT_LE(blow.lo, blow.mean);
  EXPECT_GE(blow.hi, blow.mean);
  EXPECT_GE(blow.lo, 0.0);

  // The clean cell: its single value is its own interval.
  const CellSummary clean = summarize(std::vector<TrialRecord>{lm_record(0, 0, 3.0)});
  ASSERT_NE(clean.median(Metric::perplexity), nullptr);
  EXPECT_NEAR(clean.median(Metric::perplexity)->lo, std::exp(3.0), 1e-9);
  ASSERT_NE(clean.median(Metric::kl), nullptr);
  EXPECT_EQ(clean.median(Metric::kl)->estimate, 0.0);  // the fault-free pass against itself
  // Records of both tasks in one cell are refused.
  std::vector<TrialRecord> mixed{lm_record(1e-5, 0, 3.0), lm_record(1e-5, 1, 3.0)};
  mixed[1].tokens = {};
  EXPECT_THROW((void)summarize(mixed), std::invalid_argument);
}

// The median interval a cell reports covers the true median of the per-trial perplexity at least 95 % of the
// time, through summarize() itself, on a heavy-tailed law with collapsed (+inf) trials: per-trial mean NLL
// 3 + Pareto(1) excess, infinite with probability 0.2. Its true median: the NLL excess m with
// 0.8 * P(excess <= m) = 0.5, i.e. P(excess > m) = 3/8, m = 8/3 - 1 for Pareto(x_m = 1, alpha = 1) shifted
// to start at 0.
TEST(LmCellSummary, MedianIntervalsCoverTheTrueMedianOnHeavyTails) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double true_excess = 8.0 / 3.0 - 1.0;
  const double true_ppl = std::exp(3.0 + true_excess);
  const int cells = 1000, trials = 30;
  int covered = 0;
  for (int k = 0; k < cells; ++k) {
    std::vector<TrialRecord> cell;
    for (int t = 0; t < trials; ++t) {
      auto r = lm_record(1e-5, t, 3.0);
      if (u(rng) < 0.2)
        r.tokens.nll_sum = std::numeric_limits<double>::infinity();
      else
        r.tokens.nll_sum = 1000 * (3.0 + (1.0 / (1.0 - u(rng)) - 1.0));  // Pareto(1, 1) - 1
      cell.push_back(r);
    }
    const CellSummary summary = summarize(cell);  // q points into it
    const auto* q = summary.median(Metric::perplexity);
    ASSERT_NE(q, nullptr);
    covered += q->lo <= true_ppl && true_ppl <= q->hi;
  }
  // Binomial(1000, >= 0.95): sd <= 6.9; 4 sd below 950 fails a valid interval with probability ~3e-5.
  EXPECT_GE(covered, 950 - 28) << covered << " of " << cells;
  EXPECT_LE(covered, 1000);
}
