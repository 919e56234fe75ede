// Scheduling on a real model (ResNet-20, few images): adaptive trials stop by the rule and resume with a
// tighter target, trials stop early below a floor where they should, and shards merge into a serial run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "campaign/planning/accuracy_floor.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/merge_results.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "report/results_reader.hpp"
#include "stats/betting_confidence_sequence.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

fs::path temp_file(const std::string& name) {
  return flipguard::testing::scratch_path(name);
}

CampaignConfig base_config(const fs::path& results) {
  CampaignConfig c;
  c.model = (fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.json").string();
  c.formats = {"q2.5"};
  c.protections = {"none", "scale"};
  c.bers = {1e-4, 1e-3};
  c.trials = 3;
  c.images = 64;
  c.batch = 16;
  c.results = results.string();
  return c;
}

std::vector<TrialRecord> run(const CampaignConfig& c, std::string* log_text = nullptr) {
  return flipguard::testing::run_campaign_records(c, log_text);
}

// The outcome of each trial, by record key (timings and the stopping rule it ran under aside).
std::map<std::string, std::string> outcomes(const std::vector<TrialRecord>& rs) {
  std::map<std::string, std::string> m;
  for (auto r : rs) {
    r.seconds_faults = r.seconds_inference = 0;
    r.adaptive = StoppingRule{.ci_target = 0};
    m[r.record_key()] = nlohmann::json(r).dump();
  }
  return m;
}

// Trials per cell an adaptive run must have, from the definition of the rule over the recorded values
// (the default interval, betting-mix, or plain betting, unless the rule says t).
void expect_rule_followed(const std::vector<TrialRecord>& rs, const StoppingRule& rule) {
  for (const auto& cell : group_cells(rs)) {
    if (cell.ber == 0) continue;
    std::map<std::int64_t, double> by_trial;
    for (const auto& r : cell.records) by_trial[r.trial] = r.top1_percent();
    const auto n = static_cast<std::int64_t>(by_trial.size());
    ASSERT_EQ(by_trial.rbegin()->first, n - 1) << "trials of a cell are 0..n-1";
    std::int64_t expected = 0;
    for (std::int64_t k = rule.wave;; k = std::min<std::int64_t>(k + rule.wave, rule.max_trials)) {
      std::vector<double> v;
      for (std::int64_t t = 0; t < k; ++t) v.push_back(by_trial.at(t));
      // The interval over trials 0..k-1 from scratch: t, or the betting sequence looked at after each wave.
      double half_width = estimate_mean(v).ci95;
      if (flipguard::stats::is_betting(rule.interval)) {
        flipguard::stats::BettingConfidenceSequence cs(
            {.horizon = rule.max_trials,
             .target_half_width = rule.ci_target / 100,
             .bold_weight = flipguard::stats::bold_weight(rule.interval)});
        for (std::int64_t t = 0; t < k; ++t) {
          cs.add(v[t] / 100);
          if ((t + 1) % rule.wave == 0) cs.look();
        }
        half_width = 100 * cs.peek().half_width();
      }
      if ((k >= rule.min_trials && half_width <= rule.ci_target) || k >= rule.max_trials) {
        expected = k;
        break;
      }
    }
    EXPECT_EQ(n, expected) << cell.format << " " << cell.protection << " " << cell.ber;
  }
}

TEST(CampaignScheduling, AdaptiveTrialsFollowTheRuleAndATighterTargetResumes) {
  const auto a = temp_file("adaptive.jsonl"), b = temp_file("adaptive_fresh.jsonl");
  CampaignConfig c = base_config(a);
  c.ci_target = 8;
  c.min_trials = 4;
  c.max_trials = 12;
  c.wave = 2;
  c.images = 32;
  // Student t reaches these targets within 12 short trials; a valid interval needs more trials than that
  // (docs/statistics.md), and resuming works the same for either method. The betting rule over a real run
  // is checked by the CLI's adaptive test, over the work plan by test_work_plan.
  c.interval = "t";
  std::string log;
  const auto loose = run(c, &log);
  expect_rule_followed(loose, c.stopping());
  EXPECT_NE(log.find("reached after"), std::string::npos) << log;
  for (const auto& cell : group_cells(loose))
    if (cell.ber > 0) {
      EXPECT_NE(summarize(cell.records).stopped, "incomplete");
    }
  // A tighter target on the same file adds trials and ends where a fresh run with that target ends.
  c.ci_target = 3;
  const auto tight = run(c);
  expect_rule_followed(tight, c.stopping());
  EXPECT_GT(tight.size(), loose.size());
  CampaignConfig fresh = c;
  fresh.results = b.string();
  EXPECT_EQ(outcomes(run(fresh)), outcomes(tight));
  fs::remove(a);
  fs::remove(b);
}

TEST(CampaignScheduling, TrialsStopEarlyAtTheFirstBatchBelowTheFloor) {
  const auto p = temp_file("floor.jsonl");
  CampaignConfig c = base_config(p);
  c.bers = {1e-3};
  c.floor = 50;
  const auto rs = run(c);
  int early = 0;
  for (const auto& r : rs) {
    if (!r.early_stopped) {
      EXPECT_EQ(r.images, 64);
      continue;
    }
    ++early;
    EXPECT_GT(r.ber, 0);
    EXPECT_LT(r.images, 64);
    EXPECT_EQ(r.images % 16, 0);
    EXPECT_TRUE(below_floor(r.top1, r.images, 50));
  }
  // Unprotected Q2.5 at BER 1e-3 is near chance (10 classes): those trials stop early.
  EXPECT_GE(early, 2);
  // Adaptive: that cell ends after min_trials, all below the floor, where the CI target would need many more.
  const auto q = temp_file("floor_adaptive.jsonl");
  CampaignConfig a = c;
  a.results = q.string();
  a.ci_target = 1;
  a.min_trials = 4;
  a.wave = 2;
  a.max_trials = 8;
  for (const auto& cell : group_cells(run(a))) {
    if (cell.ber == 0 || cell.protection != "none") continue;
    const auto s = summarize(cell.records);
    EXPECT_EQ(s.stopped, "below floor");
    EXPECT_EQ(s.trials, 4);
    EXPECT_EQ(s.early_stopped, 4);
  }
  fs::remove(q);
  // The same campaign without a floor has another identity: its records are not mixed in.
  CampaignConfig no_floor = c;
  no_floor.floor = 0;
  std::ostringstream log;
  EXPECT_THROW(run_campaign(
                   no_floor, [](const CampaignProgress&) {}, log),
               std::runtime_error);
  // Records written before these fields existed read as not stopped early and not adaptive.
  auto j = nlohmann::json(rs.front());
  j.erase("early_stopped");
  j.erase("adaptive");
  const auto old = j.get<TrialRecord>();
  EXPECT_FALSE(old.early_stopped);
  EXPECT_FALSE(old.adaptive.adaptive());
  fs::remove(p);
}

TEST(CampaignScheduling, ShardsMergeIntoTheSerialRunsRecords) {
  const auto serial_path = temp_file("serial.jsonl"), merged = temp_file("merged.jsonl");
  CampaignConfig serial_config = base_config(serial_path);
  serial_config.trials = 2;
  const auto serial = run(serial_config);
  std::vector<std::string> shard_files;
  std::set<std::string> seen_cells;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    CampaignConfig c = serial_config;
    c.results = temp_file("shard" + std::to_string(i) + ".jsonl").string();
    c.shard = i;
    c.shards = 3;
    const auto rs = run(c);
    std::set<std::string> cells;
    for (const auto& r : rs) cells.insert(r.cell_key());
    for (const auto& k : cells) EXPECT_TRUE(seen_cells.insert(k).second) << "cell in two shards: " << k;
    shard_files.push_back(c.results);
    sizes.push_back(rs.size());
  }
  // Balanced by trials: shards differ by at most one faulty cell (2 trials) and one clean record.
  EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()),
            3u);
  // A shard file given twice is a duplicate of identical records: kept once.
  auto inputs = shard_files;
  inputs.push_back(shard_files[0]);
  const auto m = merge_results(merged.string(), inputs);
  EXPECT_GT(m.duplicates, 0);
  EXPECT_EQ(m.records, static_cast<std::int64_t>(serial.size()));
  EXPECT_EQ(outcomes(report::read_results(merged).records), outcomes(serial));
  // Conflicting duplicates name both files.
  const auto forged = temp_file("forged.jsonl");
  {
    auto r = report::read_results(fs::path(shard_files[1])).records.front();
    r.top1 += 1;
    std::ofstream(forged) << nlohmann::json(r).dump() << "\n";
  }
  try {
    merge_results(temp_file("m2.jsonl").string(), {shard_files[1], forged.string()});
    FAIL() << "expected a conflict";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(shard_files[1] + ":1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(forged.string() + ":1"), std::string::npos) << e.what();
  }
  // Another campaign's file is refused, naming it.
  const auto other = temp_file("other.jsonl");
  CampaignConfig oc = base_config(other);
  oc.seed = 7;
  oc.bers = {1e-4};
  oc.protections = {"none"};
  oc.trials = 1;
  run(oc);
  try {
    merge_results(temp_file("m3.jsonl").string(), {shard_files[0], other.string()});
    FAIL() << "expected a refusal";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(other.string() + ":1: record of another campaign"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(merge_results(merged.string(), shard_files), std::invalid_argument);  // output exists
  for (const auto& f : shard_files) fs::remove(f);
  for (const auto& f : {serial_path, merged, forged, other}) fs::remove(f);
}

}  // namespace
