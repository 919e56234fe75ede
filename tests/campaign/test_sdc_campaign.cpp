// SDC metrics in campaigns: each trial compared with its configuration's fault-free outputs of the same
// images (whole set, per-trial sample, floor's shuffled order), data without labels scored by SDC alone, and
// adaptive trials stopping on SDC-1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "report/campaign_report.hpp"
#include "report/report_tables.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

CampaignConfig base_config(const fs::path& results) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"q2.5"};
  c.protections = {"none"};
  c.trials = 3;
  c.images = 60;
  return c;
}

const auto run = [](const CampaignConfig& c) { return flipguard::testing::run_campaign_records(c); };

// A folder of `n` CIFAR-10 test JPEGs without class subfolders: data without labels.
fs::path unlabelled_folder(const flipguard::testing::TempDir& dir, int n) {
  const fs::path out = dir / "imgs";
  fs::create_directories(out);
  const char* classes[] = {"cat", "ship", "frog"};
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d.jpg", i / 3);
    fs::copy_file(flipguard::testing::assets_dir() / "cifar10" / "test-jpeg" / classes[i % 3] / name,
                  out / (std::string(classes[i % 3]) + name));
  }
  return out;
}

}  // namespace

// Trials whose faults change no weight must agree with the fault-free pass image by image: whole set, a
// per-trial sample, the floor's shuffled order. A misaligned reference (other images' clean logits) would
// show most images as corrupted.
TEST(SdcCampaign, TrialsWithoutChangedWeightsShowNoCorruptionWhateverTheirImages) {
  flipguard::testing::TempDir dir("sdc-align");
  for (int variant = 0; variant < 3; ++variant) {
    CampaignConfig c = base_config(dir / ("r" + std::to_string(variant) + ".jsonl"));
    c.formats = {"fp32"};
    c.bers = {1e-13};
    c.images = 24;
    if (variant == 1) c.images_per_trial = 7;
    if (variant == 2) c.floor = 1;
    int faulty = 0;
    for (const auto& r : run(c)) {
      ASSERT_TRUE(r.has_sdc);
      EXPECT_EQ(r.changed_weights, 0) << "BER 1e-13 should change nothing";
      EXPECT_EQ(r.sdc1, 0) << "variant " << variant << " trial " << r.trial;
      EXPECT_EQ(r.sdc5, 0);
      EXPECT_LE(r.logit_max_abs, 1e-4) << "variant " << variant;
      faulty += r.ber > 0;
    }
    EXPECT_EQ(faulty, 3);
  }
}

// On the same images, each changed prediction moves the correct count by at most one, so |Top-1 change| <=
// SDC-1; and SDC-5 (Top-1 left the clean Top-5) implies SDC-1. The clean record agrees with itself.
TEST(SdcCampaign, FaultyTrialsBoundTheirAccuracyChange) {
  flipguard::testing::TempDir dir("sdc-bound");
  CampaignConfig c = base_config(dir / "r.jsonl");
  c.bers = {1e-3};
  c.images = 30;
  const auto records = run(c);
  const TrialRecord* clean = nullptr;
  for (const auto& r : records)
    if (r.ber == 0) clean = &r;
  ASSERT_NE(clean, nullptr);
  EXPECT_EQ(clean->sdc1, 0);
  EXPECT_EQ(clean->logit_max_abs, 0);
  double sdc_sum = 0;
  for (const auto& r : records) {
    if (r.ber == 0) continue;
    EXPECT_LE(r.sdc5, r.sdc1);
    EXPECT_LE(r.sdc1, r.images);
    sdc_sum += r.sdc1_percent();
    EXPECT_LE(std::abs(r.top1 - clean->top1), r.sdc1) << r.trial;  // the same images as the clean record
    if (r.sdc1 > 0) {
      EXPECT_GT(r.logit_max_abs, 0);
    }
  }
  EXPECT_GT(sdc_sum, 0) << "BER 1e-3 in q2.5 corrupts ResNet-20's predictions";
}

TEST(SdcCampaign, DataWithoutLabelsIsScoredBySdcAlone) {
  flipguard::testing::TempDir dir("sdc-unlabelled");
  CampaignConfig c = base_config(dir / "r.jsonl");
  c.data = unlabelled_folder(dir, 12).string();
  c.images = 0;
  c.bers = {1e-3};
  const auto records = run(c);
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) {
    EXPECT_FALSE(r.labelled);
    EXPECT_EQ(r.data, "images:imgs");
    EXPECT_EQ(r.images, 12);
    const auto j = nlohmann::json(r);
    EXPECT_FALSE(j.contains("top1")) << "no fake accuracy in the record";
    EXPECT_EQ(j.at("labelled"), false);
  }
  const auto rep = report::build_report(records);
  EXPECT_FALSE(rep.labelled);
  EXPECT_EQ(rep.data_images, 12);
  const std::string csv = report::summary_csv(rep);
  const std::string row = csv.substr(csv.find('\n') + 1);
  EXPECT_EQ(row.find(",n/a,n/a,n/a,"), row.find(",n/a")) << "Top-1 columns read n/a: " << row;
  EXPECT_NE(row.find(",no,0,0,0,"), std::string::npos) << "the clean cell's SDC is 0: " << row;
  EXPECT_TRUE(report::paired_table(rep, "q2.5").rows.empty());

  // A floor, or adaptive trials on Top-1, need labels: refused by name.
  CampaignConfig floor = c;
  floor.floor = 5;
  try {
    run(floor);
    ADD_FAILURE() << "a floor without labels ran";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has no labels"), std::string::npos) << e.what();
  }
  // Adaptive trials with Top-1 asked for (a given metric) are refused by name; with the metric left to its
  // default, the data decide it: SDC-1.
  CampaignConfig adaptive = c;
  adaptive.ci_target = 30;
  adaptive.results = (dir / "a.jsonl").string();
  adaptive.given.insert("metric");
  try {
    run(adaptive);
    ADD_FAILURE() << "adaptive trials on Top-1 without labels ran";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--metric sdc1"), std::string::npos) << e.what();
  }
  adaptive.given.clear();
  adaptive.results = (dir / "b.jsonl").string();
  const auto fitted = run(adaptive);
  ASSERT_FALSE(fitted.empty());
  for (const auto& r : fitted)
    if (r.ber > 0) {
      EXPECT_EQ(r.adaptive.metric, Metric::sdc1);
      EXPECT_EQ(r.adaptive.ci_target, 30);
    }
}

TEST(SdcCampaign, AdaptiveCellsStopOnSdc1) {
  flipguard::testing::TempDir dir("sdc-adaptive");
  CampaignConfig c = base_config(dir / "r.jsonl");
  c.data = unlabelled_folder(dir, 12).string();
  c.images = 0;
  c.bers = {1e-6};  // few flips: SDC-1 stays near 0, the interval narrows quickly
  c.ci_target = 15;
  c.min_trials = 4;
  c.max_trials = 60;
  c.wave = 4;
  c.metric = "sdc1";
  const auto records = run(c);
  std::int64_t faulty = 0;
  for (const auto& r : records) {
    if (r.ber == 0) continue;
    ++faulty;
    EXPECT_EQ(r.adaptive.metric, Metric::sdc1);
  }
  EXPECT_LT(faulty, 60) << "the cell should meet a 15-point target on SDC-1 before max_trials";
  const auto rep = report::build_report(records);
  const auto* cell = rep.find("q2.5", "none", 1e-6);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->stopped, "target reached");
  EXPECT_LE((cell->sdc1.hi - cell->sdc1.lo) / 2, 15.0);
  // The stopping rule reads back from the records: the metric is part of it.
  const auto back = nlohmann::json(records.back()).get<TrialRecord>();
  EXPECT_EQ(back.adaptive.metric, Metric::sdc1);
}

TEST(SdcCampaign, RecordsWithoutSdcReadAsUnmeasuredNotZero) {
  TrialRecord r;
  r.campaign = "c";
  r.images = 10;
  r.top1 = 5;
  r.top5 = 9;
  r.has_sdc = false;
  auto j = nlohmann::json(r);
  EXPECT_FALSE(j.contains("sdc1"));
  const auto back = j.get<TrialRecord>();
  EXPECT_FALSE(back.has_sdc);
  const auto rep = report::build_report(std::vector<TrialRecord>{back});
  EXPECT_FALSE(rep.has_sdc);
  const std::string csv = report::summary_csv(rep);
  EXPECT_NE(csv.find(",yes,n/a,n/a,n/a,n/a,n/a,n/a,n/a,n/a"), std::string::npos) << csv;
  // Inconsistent counts are refused.
  r.has_sdc = true;
  r.sdc1 = 2;
  r.sdc5 = 3;
  EXPECT_THROW(nlohmann::json(r).get<TrialRecord>(), std::runtime_error);
}
