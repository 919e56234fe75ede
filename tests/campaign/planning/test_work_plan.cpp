// The work plan without a model: which units run, in which order they may finish, and when cells stop.
// Adaptive stopping must not depend on completion order, and resuming must not rerun or skip trials.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/work_plan.hpp"
#include "stats/betting_confidence_sequence.hpp"
#include "stats/sample_size.hpp"

using namespace flipguard::campaign;

namespace {

std::vector<PlanCell> cells() {
  std::vector<PlanCell> c;
  for (std::size_t config = 0; config < 2; ++config)
    for (double ber : {0.0, 1e-4, 1e-3}) c.push_back({config, config ? "fp16" : "q2.5", "none", ber});
  return c;
}

// A deterministic, cell-dependent Top-1 per trial: spread grows with the BER so cells need different counts.
double top1(const PlanCell& c, std::int64_t trial) {
  std::mt19937_64 g(static_cast<std::uint64_t>(trial) * 1000 + c.config * 10 + (c.ber > 5e-4 ? 2 : 1));
  const double spread = c.ber == 0 ? 0 : c.ber > 5e-4 ? 20 : 3;
  return std::clamp(80 + spread * std::normal_distribution<double>()(g), 0.0, 100.0);
}

// Runs the plan to the end with `workers` units in flight, finishing a random one of them each step.
std::set<std::pair<std::size_t, std::int64_t>> drive(WorkPlan& plan, int workers, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<WorkUnit> running;
  std::set<std::pair<std::size_t, std::int64_t>> ran;
  std::optional<std::size_t> last_config;
  while (!plan.finished()) {
    while (static_cast<int>(running.size()) < workers) {
      const auto u = plan.next(last_config);
      if (!u) break;
      EXPECT_TRUE(ran.insert({u->cell, u->trial}).second) << "unit handed out twice";
      running.push_back(*u);
    }
    if (running.empty()) {
      ADD_FAILURE() << "plan stalled";
      break;
    }
    const std::size_t k = std::uniform_int_distribution<std::size_t>(0, running.size() - 1)(g);
    const WorkUnit u = running[k];
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    last_config = plan.cell(u.cell).config;
    plan.complete(u, top1(plan.cell(u.cell), u.trial));
  }
  return ran;
}

// The trial count of an adaptive cell, straight from the definition of the rule: the first wave boundary
// whose interval over trials 0..n-1 (recomputed from scratch) meets the target, or the maximum.
std::int64_t expected_trials(const PlanCell& c, const StoppingRule& rule) {
  for (std::int64_t n = rule.wave;; n = std::min<std::int64_t>(n + rule.wave, rule.max_trials)) {
    std::vector<double> v;
    for (std::int64_t t = 0; t < n; ++t) v.push_back(top1(c, t));
    double half_width = INFINITY;
    if (rule.interval == flipguard::stats::IntervalMethod::student_t) {
      if (n >= 2) half_width = estimate_mean(v).ci95;
    } else {
      flipguard::stats::BettingConfidenceSequence cs(
          {.horizon = rule.max_trials,
           .target_half_width = rule.ci_target / 100,
           .bold_weight = flipguard::stats::bold_weight(rule.interval)});
      for (std::int64_t t = 0; t < n; ++t) {
        cs.add(v[t] / 100);
        if ((t + 1) % rule.wave == 0) cs.look();
      }
      half_width = 100 * cs.peek().half_width();
    }
    if ((n >= rule.min_trials && half_width <= rule.ci_target) || n >= rule.max_trials) return n;
  }
}

constexpr auto kT = flipguard::stats::IntervalMethod::student_t;

TEST(WorkPlan, FixedTrialsRunEveryUnitOnceInGridOrder) {
  WorkPlan plan(cells(), 3, StoppingRule{.ci_target = 0}, {});
  EXPECT_EQ(plan.upper_bound(), 2 * (1 + 3 + 3));
  std::vector<std::pair<std::size_t, std::int64_t>> order;
  while (auto u = plan.next()) {
    order.emplace_back(u->cell, u->trial);
    plan.complete(*u, 50);
  }
  EXPECT_TRUE(plan.finished());
  const std::vector<std::pair<std::size_t, std::int64_t>> expected{{0, 0}, {1, 0}, {1, 1}, {1, 2}, {2, 0},
                                                                   {2, 1}, {2, 2}, {3, 0}, {4, 0}, {4, 1},
                                                                   {4, 2}, {5, 0}, {5, 1}, {5, 2}};
  EXPECT_EQ(order, expected);
}

TEST(WorkPlan, AdaptiveCellsStopByTheRuleWhateverTheCompletionOrder) {
  const StoppingRule rule{.ci_target = 2.0, .min_trials = 4, .max_trials = 40, .wave = 4, .interval = kT};
  WorkPlan serial(cells(), 10, rule, {});
  const auto reference = drive(serial, 1, 1);
  std::map<std::size_t, std::int64_t> counts;
  for (const auto& [cell, trial] : reference) ++counts[cell];
  for (std::size_t c = 0; c < serial.cells(); ++c) {
    const auto& cell = serial.cell(c);
    if (cell.ber == 0) {
      EXPECT_EQ(counts[c], 1);
      continue;
    }
    EXPECT_EQ(counts[c], expected_trials(cell, rule)) << cell.label();
  }
  // The spread-20 cells hit the maximum, the spread-3 cells the target, before it.
  EXPECT_EQ(serial.reason(2), StopReason::max_reached);
  EXPECT_EQ(serial.reason(1), StopReason::target_reached);
  EXPECT_LT(counts[1], 40);
  const auto messages = serial.take_messages();
  EXPECT_EQ(messages.size(), 4u);
  for (int workers : {2, 3, 7})
    for (std::uint64_t seed : {1, 2, 3}) {
      WorkPlan parallel(cells(), 10, rule, {});
      EXPECT_EQ(drive(parallel, workers, seed), reference) << workers << " workers, seed " << seed;
    }
}

TEST(WorkPlan, BettingCellsStopByTheRuleWhateverTheCompletionOrder) {
  // The work plan feeds each wave to a running confidence sequence; the counts must equal the rule applied
  // to the trials from scratch, whatever order trials finish in.
  const StoppingRule rule{.ci_target = 6.0, .min_trials = 4, .max_trials = 100, .wave = 4};
  WorkPlan serial(cells(), 10, rule, {});
  const auto reference = drive(serial, 1, 1);
  std::map<std::size_t, std::int64_t> counts;
  for (const auto& [cell, trial] : reference) ++counts[cell];
  for (std::size_t c = 0; c < serial.cells(); ++c) {
    if (serial.cell(c).ber > 0) {
      EXPECT_EQ(counts[c], expected_trials(serial.cell(c), rule)) << c;
    }
  }
  EXPECT_EQ(serial.reason(1), StopReason::target_reached);  // spread 3: well inside 100 trials
  EXPECT_LT(counts[1], counts[2]);                          // spread 20 needs more
  for (int workers : {2, 7}) {
    WorkPlan parallel(cells(), 10, rule, {});
    EXPECT_EQ(drive(parallel, workers, 4), reference) << workers << " workers";
  }
}

TEST(WorkPlan, ResumingSkipsRecordedTrialsAndATighterTargetAddsTrials) {
  const StoppingRule loose{.ci_target = 4.0, .min_trials = 4, .max_trials = 40, .wave = 4, .interval = kT};
  const StoppingRule tight{.ci_target = 1.0, .min_trials = 4, .max_trials = 40, .wave = 4, .interval = kT};
  WorkPlan first(cells(), 10, loose, {});
  const auto ran_loose = drive(first, 2, 5);
  // What the results file would hold after the loose run.
  std::vector<TrialRecord> recorded;
  for (const auto& [cell, trial] : ran_loose) {
    TrialRecord r;
    r.format = first.cell(cell).format;
    r.protection = first.cell(cell).protection;
    r.ber = first.cell(cell).ber;
    r.trial = trial;
    r.images = 1000000;
    r.top1 = std::llround(top1(first.cell(cell), trial) * 10000);  // the same Top-1 percent, to 1e-4
    recorded.push_back(r);
  }
  WorkPlan again(cells(), 10, loose, recorded);
  EXPECT_TRUE(again.finished());
  EXPECT_EQ(again.skipped(), static_cast<std::int64_t>(ran_loose.size()));
  WorkPlan resumed(cells(), 10, tight, recorded);
  const auto added = drive(resumed, 3, 9);
  WorkPlan fresh(cells(), 10, tight, {});
  const auto ran_tight = drive(fresh, 1, 1);
  std::set<std::pair<std::size_t, std::int64_t>> joined = ran_loose;
  joined.insert(added.begin(), added.end());
  EXPECT_EQ(joined, ran_tight);
  EXPECT_FALSE(added.empty());
  for (const auto& unit : added) EXPECT_FALSE(ran_loose.count(unit));
}

TEST(WorkPlan, ACellWhoseTrialsAllStopBelowTheFloorEndsAfterMinTrials) {
  const StoppingRule rule{.ci_target = 0.1, .min_trials = 6, .max_trials = 40, .wave = 4};
  WorkPlan plan({{0, "q2.5", "none", 1e-3}, {0, "q2.5", "none", 1e-4}}, 10, rule, {});
  std::map<std::size_t, std::int64_t> ran;
  while (auto u = plan.next()) {
    ++ran[u->cell];
    // Cell 0: every trial stops below the floor, with a widely varying Top-1 (no CI target in reach);
    // cell 1: the same Top-1s, but trial 5 ran to the end.
    plan.complete(*u, u->trial % 2 ? 5.0 : 30.0, u->cell == 0 || u->trial != 5);
  }
  EXPECT_TRUE(plan.finished());
  EXPECT_EQ(ran[0], 8);  // the first wave boundary at or after min_trials
  EXPECT_EQ(plan.reason(0), StopReason::below_floor);
  EXPECT_EQ(ran[1], 40);
  EXPECT_EQ(plan.reason(1), StopReason::max_reached);
}

TEST(WorkPlan, PrefersTheConfigurationAWorkerHasBuilt) {
  WorkPlan plan(cells(), 2, StoppingRule{.ci_target = 0}, {});
  const auto u = plan.next(1);
  ASSERT_TRUE(u);
  EXPECT_EQ(plan.cell(u->cell).config, 1u);
  const auto v = plan.next();
  ASSERT_TRUE(v);
  EXPECT_EQ(plan.cell(v->cell).config, 0u);
  EXPECT_THROW(plan.complete({5, 1, std::nullopt}, 1), std::logic_error);  // never handed out
}

}  // namespace

// The ETA's trial count: an adaptive cell is projected from its current spread (t: n (ci/target)^2, in whole
// waves, within its bounds); cells with no data yet get the mean projection of the others.
TEST(WorkPlan, ExpectedTotalProjectsAdaptiveCellsFromTheirSpread) {
  const StoppingRule rule{.ci_target = 2, .min_trials = 4, .max_trials = 100, .wave = 4, .interval = kT};
  const std::vector<PlanCell> c{{0, "q2.5", "none", 0},
                                {0, "q2.5", "none", 1e-4},
                                {0, "q2.5", "none", 1e-3},
                                {0, "q2.5", "none", 1e-2}};
  EXPECT_EQ(WorkPlan(c, 0, rule, {}).expected_total(), 1 + 3 * 100) << "nothing known yet: the maximum";
  // Cell 1 (BER 1e-4) is tight: 4 trials with CI t(3) * 1.633 / 2 = 2.6 points need 4 * 1.3^2 = 6.8 -> 8.
  // Cell 2 (BER 1e-3) swings between 0 and 100: its projection is the maximum. Cell 3 has no data.
  const std::vector<double> tight{50, 52, 48, 50}, swinging{0, 100, 0, 100};
  const double ci = estimate_mean(tight).ci95;
  ASSERT_GT(ci, 2.0);
  ASSERT_LT(4 * (ci / 2) * (ci / 2), 8.0);
  std::vector<TrialRecord> existing;
  auto add = [&](double ber, std::int64_t trial, double top1) {
    TrialRecord r;
    r.format = "q2.5";
    r.protection = "none";
    r.ber = ber;
    r.trial = trial;
    r.images = 100;
    r.top1 = static_cast<std::int64_t>(top1);
    existing.push_back(r);
  };
  add(0, 0, 80);
  for (std::int64_t t = 0; t < 4; ++t) add(1e-4, t, tight[t]), add(1e-3, t, swinging[t]);
  WorkPlan plan(c, 0, rule, existing);
  const std::int64_t cell1 = 8, cell2 = 100, cell3 = (cell1 + cell2 + 1) / 2;
  EXPECT_EQ(plan.expected_total(), 1 + cell1 + cell2 + cell3);
  EXPECT_EQ(plan.upper_bound(), 1 + 3 * 100);
}

// Betting cells are projected with the planner of the betting sequence: a calm cell from its mean and spread,
// in whole waves.
TEST(WorkPlan, ExpectedTotalProjectsBettingCellsWithTheBettingPlanner) {
  const StoppingRule rule{.ci_target = 5, .min_trials = 4, .max_trials = 400, .wave = 8};
  const std::vector<PlanCell> c{{0, "q2.5", "none", 0}, {0, "q2.5", "none", 1e-4}};
  const std::vector<double> calm{78, 82, 80, 79, 81, 80, 77, 83};
  std::vector<TrialRecord> existing;
  for (std::int64_t t = 0; t < 8; ++t) {
    TrialRecord r;
    r.format = "q2.5";
    r.protection = "none";
    r.ber = 1e-4;
    r.trial = t;
    r.images = 100;
    r.top1 = static_cast<std::int64_t>(calm[t]);
    existing.push_back(r);
  }
  WorkPlan plan(c, 0, rule, existing);
  const auto e = estimate_mean(calm);
  const double need = flipguard::stats::betting_trials_needed(e.mean / 100, e.std / 100, 0.05);
  ASSERT_GT(need, 8);
  ASSERT_LT(need, 400);
  EXPECT_EQ(plan.expected_total(), 1 + static_cast<std::int64_t>(std::ceil(need / 8)) * 8);
}
