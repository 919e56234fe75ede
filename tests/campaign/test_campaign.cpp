// The campaign runner on a real model: determinism, common random numbers across protections, exact restore,
// resume after a kill (including a torn last line), and refusal of another campaign's results.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "campaign/records/results_file.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "engine/executor.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;
using namespace flipguard::fault_sites;

namespace {

fs::path temp_file(const std::string& name) {
  return flipguard::testing::scratch_path(name);
}

CampaignConfig small_config(const fs::path& results) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"q2.5"};
  c.protections = {"none", "scale", "scale+ecc72"};
  c.bers = {1e-4, 1e-3};
  c.trials = 3;
  c.images = 60;
  return c;
}

const auto run = [](const CampaignConfig& c) { return flipguard::testing::run_campaign_records(c); };
using flipguard::testing::fingerprint;
using flipguard::testing::fingerprints;

TEST(Campaign, RunsEveryCellAndIsDeterministic) {
  const auto a = temp_file("a.jsonl"), b = temp_file("b.jsonl");
  const auto ra = run(small_config(a));
  ASSERT_EQ(ra.size(), 3u * (1 + 2 * 3));  // per protection: a clean record + 2 BERs x 3 trials
  EXPECT_EQ(fingerprints(run(small_config(b))), fingerprints(ra));
  for (const auto& r : ra) {
    EXPECT_EQ(r.images, 60);
    if (r.ber == 0) {
      EXPECT_EQ(r.flips, 0);
    }
    if (r.ber == 1e-3) {
      EXPECT_GT(r.flips, 0);
    }
  }
  fs::remove(a);
  fs::remove(b);
}

TEST(Campaign, ProtectionsOfAFormatSeeTheSameDataBitFlips) {
  const auto p = temp_file("crn.jsonl");
  const auto rs = run(small_config(p));
  std::map<std::pair<double, std::int64_t>, std::map<std::string, TrialRecord>> by_trial;
  for (const auto& r : rs) by_trial[{r.ber, r.trial}][r.protection] = r;
  int compared = 0;
  for (const auto& [key, m] : by_trial) {
    if (key.first == 0) continue;
    // Scaling changes the stored values, not where faults land: the same number of flipped data bits.
    EXPECT_EQ(m.at("none").flips, m.at("scale").flips);
    // ECC adds check bits, which get faults of their own: at least the data-bit flips.
    EXPECT_GE(m.at("scale+ecc72").flips, m.at("scale").flips);
    EXPECT_NEAR(m.at("scale+ecc72").memory_overhead, 0.125, 1e-3);
    ++compared;
  }
  EXPECT_EQ(compared, 6);
  // At BER 1e-3 in Q2.5, scaling must beat no protection on average (the paper's effect).
  double none = 0, scale = 0;
  for (const auto& r : rs) {
    if (r.ber != 1e-3) continue;
    if (r.protection == "none") none += r.top1_percent();
    if (r.protection == "scale") scale += r.top1_percent();
  }
  EXPECT_GT(scale, none + 3 * 20.0) << "3 trials: scaling should be ~20+ points better per trial";
  fs::remove(p);
}

TEST(Campaign, ResumesAfterAKillAndATornLastLine) {
  const auto full = temp_file("full.jsonl"), cut = temp_file("cut.jsonl");
  const auto reference = run(small_config(full));
  // A killed run: the first 7 complete records, then half of the 8th.
  std::ifstream in(full);
  std::ofstream out(cut);
  std::string line;
  for (int i = 0; i < 8 && std::getline(in, line); ++i)
    out << (i < 7 ? line + "\n" : line.substr(0, line.size() / 2));
  out.close();
  CampaignConfig c = small_config(cut);
  std::ostringstream log;
  const auto summary = run_campaign(
      c, [](const CampaignProgress&) {}, log);
  EXPECT_EQ(summary.trials_skipped, 7);
  EXPECT_EQ(summary.trials_run, static_cast<std::int64_t>(reference.size()) - 7);
  EXPECT_NE(log.str().find("partial last record dropped"), std::string::npos) << log.str();
  EXPECT_EQ(fingerprints(report::read_results(cut).records), fingerprints(reference));
  // Running again does nothing.
  const auto again = run_campaign(
      c, [](const CampaignProgress&) {}, log);
  EXPECT_EQ(again.trials_run, 0);
  fs::remove(full);
  fs::remove(cut);
}

TEST(Campaign, RefusesResultsOfAnotherCampaignAndBadSettings) {
  const auto p = temp_file("other.jsonl");
  run(small_config(p));
  CampaignConfig other = small_config(p);
  other.seed = 2;
  std::ostringstream log;
  try {
    run_campaign(
        other, [](const CampaignProgress&) {}, log);
    FAIL() << "expected a refusal";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("record of another campaign"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.string() + ":1"), std::string::npos) << e.what();
  }
  CampaignConfig bad = small_config(temp_file("bad.jsonl"));
  bad.bers = {1.5};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = small_config(temp_file("bad.jsonl"));
  bad.formats = {"fp8"};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = small_config(temp_file("bad.jsonl"));
  bad.protections = {"scale+magic"};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  fs::remove(p);
}

TEST(Campaign, TomlConfigIsReadAndUnknownKeysAreErrors) {
  const auto p = temp_file("study.toml");
  std::ofstream(p)
      << "model = \"resnet20\"\nformats = [\"fp16\", \"bf16\"]\nbers = [1e-6, 1e-5]\ntrials = 7\nseed = 42\n";
  CampaignConfig c;
  c.load_toml(p.string());
  EXPECT_EQ(c.formats, (std::vector<std::string>{"fp16", "bf16"}));
  EXPECT_EQ(c.bers, (std::vector<double>{1e-6, 1e-5}));
  EXPECT_EQ(c.trials, 7);
  EXPECT_EQ(c.seed, 42u);
  // Integers are numbers too where a number is meant.
  std::ofstream(p) << "bers = [0, 1e-5]\nci_target = 2\nfloor = 5\nimages_per_trial = 16\n";
  c.load_toml(p.string());
  EXPECT_EQ(c.bers, (std::vector<double>{0, 1e-5}));
  EXPECT_EQ(c.ci_target, 2.0);
  EXPECT_EQ(c.floor, 5.0);
  EXPECT_EQ(c.images_per_trial, 16);
  // The interval method: betting-mix by default, plain betting and t on request, anything else refused by
  // validate().
  EXPECT_EQ(c.stopping().interval, stats::IntervalMethod::betting_mix);
  std::ofstream(p) << "interval = \"t\"\n";
  c.load_toml(p.string());
  EXPECT_EQ(c.stopping().interval, stats::IntervalMethod::student_t);
  std::ofstream(p) << "interval = \"betting\"\n";
  c.load_toml(p.string());
  EXPECT_EQ(c.stopping().interval, stats::IntervalMethod::betting);
  c.interval = "normal";
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c.interval = "betting";
  std::ofstream(p) << "bers = [1e-5, \"x\"]\n";
  EXPECT_THROW(c.load_toml(p.string()), std::runtime_error);
  std::ofstream(p) << "model = \"resnet20\"\ntrails = 7\n";
  try {
    c.load_toml(p.string());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'trails'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
  fs::remove(p);
}

TEST(FaultyWeights, InjectThenRestoreGivesTheConfigurationsCleanWeightsBack) {
  engine::ExecutorOptions opt;
  opt.batch = 1;
  engine::Executor ex(
      model::load_onnx((fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.onnx").string()), opt);
  auto slots = select_slots(ex.weights(), "all");
  FaultyWeights fw(ex, slots, "q2.5", "scale+ecc72");
  std::vector<std::vector<float>> before;
  for (auto* s : slots) {
    std::vector<float> v(static_cast<size_t>(s->size()));
    for (std::int64_t i = 0; i < s->size(); ++i) v[static_cast<size_t>(i)] = s->read(i);
    before.push_back(v);
  }
  const auto stats = fw.inject(faults::FaultModel::parse("ber:0.002"), 9, 4);
  EXPECT_GT(stats.flips, 1000);
  EXPECT_GT(stats.ecc_corrected, 0);
  std::int64_t differing = 0;
  for (size_t k = 0; k < slots.size(); ++k)
    for (std::int64_t i = 0; i < slots[k]->size(); ++i)
      differing += slots[k]->read(i) != before[k][static_cast<size_t>(i)];
  EXPECT_EQ(differing, stats.changed_weights);
  fw.restore();
  for (size_t k = 0; k < slots.size(); ++k)
    for (std::int64_t i = 0; i < slots[k]->size(); ++i)
      ASSERT_EQ(slots[k]->read(i), before[k][static_cast<size_t>(i)]);
  // The same trial again gives the same faults.
  EXPECT_EQ(fw.inject(faults::FaultModel::parse("ber:0.002"), 9, 4).changed_weights, stats.changed_weights);
  fw.restore();
}

}  // namespace
