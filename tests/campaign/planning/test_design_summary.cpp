// A design cell's report, simulated through the report's own code: synthetic records of design cells are run
// the way the work plan runs them (the design assigns each trial its stratum and image count, the cell stops
// after a wave once design_decision says so), then summarize() and design_difference() re-derive everything
// from the records. Checked: the re-derived Top-1 interval is the design's own, and the Top-5 interval and
// the difference between two design cells cover their true values in at least 93 % of the campaigns (both
// are valid at 95 % by construction; this is the coverage of the real code path).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "campaign/planning/cell_design.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "report/campaign_report.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

constexpr std::int64_t kCriticalWords = 25'000'000;  // ResNet-50's weights: strata K=0, 1, 2, >=3 at 1e-7
constexpr double kBer = 1e-7;

// A population in which a trial collapses with a probability that depends on its stratum: survivors score
// Top-1 ~ U(0.75, 0.85) and Top-5 0.12 above; collapsed trials Top-1 ~ U(0, 0.1) and Top-5 1.5 x that.
struct Population {
  std::vector<double> survive;  // per stratum

  double top1_mean(std::size_t k) const { return survive[k] * 0.80 + (1 - survive[k]) * 0.05; }
  double top5_mean(std::size_t k) const { return survive[k] * 0.92 + (1 - survive[k]) * 0.075; }
};

StoppingRule rule(Metric metric = Metric::top1) {
  return {.ci_target = 8, .min_trials = 16, .max_trials = 400, .wave = 8, .metric = metric};
}

// One design campaign over one cell: the records the work plan would have written.
std::vector<TrialRecord> run_cell(const Population& pop, const std::string& protection, std::mt19937_64& rng,
                                  Metric metric = Metric::top1) {
  const StoppingRule r = rule(metric);
  auto design = cell_design(r, kBer, kCriticalWords, 1);
  const auto& w = design.weights();
  std::vector<TrialRecord> records;
  std::uniform_real_distribution<double> u(0, 1);
  std::discrete_distribution<int> stratum_of(w.begin(), w.end());  // for unconditioned (plain) trials
  for (std::int64_t t = 0;; ++t) {
    const auto a = design.assignment(t);
    const std::size_t k =
        a.stratum >= 0 ? static_cast<std::size_t>(a.stratum) : static_cast<std::size_t>(stratum_of(rng));
    const bool survives = u(rng) < pop.survive[k];
    const double p1 = survives ? 0.75 + 0.1 * u(rng) : 0.1 * u(rng);
    const double p5 = survives ? p1 + 0.12 : 1.5 * p1;
    TrialRecord rec;
    rec.format = "fp32";
    rec.protection = protection;
    rec.ber = kBer;
    rec.trial = t;
    rec.images = a.images;
    rec.has_sdc = true;
    for (int i = 0; i < a.images; ++i) {
      const double x = u(rng);
      rec.top1 += x < p1;
      rec.top5 += x < p5;
    }
    rec.sdc1 = rec.images - rec.top1;  // any per-image share in [0, 1] will do for SDC
    rec.sdc5 = rec.images - rec.top5;
    rec.labelled = metric == Metric::top1;
    rec.critical_words = kCriticalWords;
    rec.adaptive = r;
    rec.design_images = a.images;
    rec.design_round = design_round(design, t);  // needs the plan once past the pilot: computed before add
    rec.stratum = a.stratum;
    rec.design_batch = 1;
    design.add(rec.metric_percent(metric) / 100);
    records.push_back(rec);
    if ((t + 1) % r.wave == 0 && design_decision(design, r) != StopReason::none) break;
  }
  return records;
}

double true_mean(const Population& pop, bool top5) {
  const auto w = cell_design(rule(), kBer, kCriticalWords, 1).weights();
  double mu = 0;
  for (std::size_t k = 0; k < w.size(); ++k) mu += w[k] * (top5 ? pop.top5_mean(k) : pop.top1_mean(k));
  return 100 * mu;
}

TEST(DesignSummary, TheReportsTop1IntervalIsTheDesignsOwnAndEveryMetricGetsOne) {
  std::mt19937_64 rng(7);
  const Population pop{{0.95, 0.4, 0.15, 0.03}};
  const auto records = run_cell(pop, "none", rng);
  // Replay the design as the campaign fed it and compare with the summary.
  auto design = cell_design(rule(), kBer, kCriticalWords, 1);
  for (const auto& r : records) design.add(r.top1_percent() / 100);
  const CellSummary s = summarize(records);
  EXPECT_EQ(s.interval, "betting-mix-stratified");
  EXPECT_EQ(s.top1.lo, 100 * design.interval().lo);
  EXPECT_EQ(s.top1.hi, 100 * design.interval().hi);
  EXPECT_NEAR(s.top1.mean, 100 * design.mean(), 1e-9);
  EXPECT_EQ(s.top1.n, design.observed_trials());
  for (const auto* m : {&s.top5, &s.sdc1, &s.sdc5}) {
    EXPECT_TRUE(std::isfinite(m->lo) && std::isfinite(m->hi));
    EXPECT_LE(m->lo, m->mean);
    EXPECT_GE(m->hi, m->mean);
    EXPECT_GT(m->hi - m->lo, 0);
  }
  // SDC-1 here is 100 - Top-1 per trial: the same observations mirrored, so the same mean.
  EXPECT_NEAR(s.sdc1.mean, 100 - s.top1.mean, 1e-9);
  EXPECT_GT(s.top5.mean, s.top1.mean);
}

TEST(DesignSummary, ACellDesignedOnSdcIsReDerivedOnSdc) {
  std::mt19937_64 rng(3);
  const auto records = run_cell(Population{{0.95, 0.4, 0.15, 0.03}}, "none", rng, Metric::sdc1);
  auto design = cell_design(rule(Metric::sdc1), kBer, kCriticalWords, 1);
  for (const auto& r : records) design.add(r.sdc1_percent() / 100);
  const CellSummary s = summarize(records);
  EXPECT_EQ(s.sdc1.lo, 100 * design.interval().lo);
  EXPECT_EQ(s.sdc1.hi, 100 * design.interval().hi);
  EXPECT_EQ(s.stopped, to_string(design_decision(design, rule(Metric::sdc1))));
}

TEST(DesignSummary, Top5AndDifferenceIntervalsCoverInTheRealCodePath) {
  std::mt19937_64 rng(2024);
  const Population none{{0.95, 0.4, 0.15, 0.03}}, scale{{0.97, 0.7, 0.45, 0.2}};
  const double top5_none = true_mean(none, true);
  const double difference = true_mean(scale, false) - true_mean(none, false);
  constexpr int kSims = 150;
  int top5_covered = 0, difference_covered = 0;
  double top5_width = 0, difference_width = 0, top1_width = 0;
  for (int sim = 0; sim < kSims; ++sim) {
    const auto a = run_cell(none, "none", rng);
    const auto b = run_cell(scale, "scale", rng);
    const CellSummary sa = summarize(a), sb = summarize(b);
    top5_covered += sa.top5.lo <= top5_none && top5_none <= sa.top5.hi;
    const MeanEstimate d = design_difference(b, a, Metric::top1);
    difference_covered += d.lo <= difference && difference <= d.hi;
    EXPECT_NEAR(d.mean, sb.top1.mean - sa.top1.mean, 1e-9);
    // The union bound runs each cell at 97.5 %: wider than each cell's 95 % interval, narrower than twice
    // the sum of their half-widths.
    EXPECT_GE(d.hi - d.lo, (sa.top1.hi - sa.top1.lo) + (sb.top1.hi - sb.top1.lo) - 1e-9);
    top5_width += sa.top5.hi - sa.top5.lo;
    difference_width += d.hi - d.lo;
    top1_width += sa.top1.hi - sa.top1.lo;
  }
  std::printf(
      "design cells, %d campaigns: Top-5 coverage %.1f %% (mean width %.2f points), difference "
      "coverage %.1f %% (mean width %.2f; a cell's Top-1 width %.2f)\n",
      kSims, 100.0 * top5_covered / kSims, top5_width / kSims, 100.0 * difference_covered / kSims,
      difference_width / kSims, top1_width / kSims);
  EXPECT_GE(top5_covered, 0.93 * kSims);
  EXPECT_GE(difference_covered, 0.93 * kSims);
}

TEST(DesignSummary, TheReportShowsTheUnpairedDifferenceOfDesignCells) {
  std::mt19937_64 rng(11);
  auto records = run_cell(Population{{0.95, 0.4, 0.15, 0.03}}, "none", rng);
  const auto scaled = run_cell(Population{{0.97, 0.7, 0.45, 0.2}}, "scale", rng);
  records.insert(records.end(), scaled.begin(), scaled.end());
  const auto rep = report::build_report(records);
  ASSERT_EQ(rep.paired.size(), 1u);
  const auto& d = rep.paired.front();
  EXPECT_EQ(d.protection, "scale");
  EXPECT_EQ(d.baseline, "none");
  EXPECT_FALSE(d.paired);
  const MeanEstimate expected =
      design_difference(scaled, std::span(records).first(records.size() - scaled.size()), Metric::top1);
  EXPECT_EQ(d.diff.lo, expected.lo);
  EXPECT_EQ(d.diff.hi, expected.hi);
  EXPECT_GT(d.diff.mean, 0);
}

TEST(DesignSummary, DifferenceNeedsTwoDesignCells) {
  std::mt19937_64 rng(1);
  const auto a = run_cell(Population{{0.9, 0.5, 0.2, 0.1}}, "none", rng);
  auto plain = a;
  for (auto& r : plain) r.design_images = 0;
  EXPECT_THROW(design_difference(a, plain, Metric::top1), std::invalid_argument);
}

}  // namespace
