// images_per_trial = auto on a real model: a collapse-prone cell (ResNet-20 FP32 at a BER where a few
// top-exponent flips are expected) runs its pilot and then its plan, the records say what each trial was, a
// run killed part-way resumes to exactly the records of an uninterrupted run, and the reported interval is
// the design's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "campaign/planning/cell_design.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

fs::path temp_file(const std::string& name) {
  return flipguard::testing::scratch_path("design_" + name);
}

CampaignConfig design_config(const fs::path& results) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {1e-5};  // ~2.7 expected flips of the top exponent bit over ResNet-20's ~270k weights
  c.images = 64;
  c.images_per_trial = kAutoImagesPerTrial;
  c.ci_target = 15;  // loose, so the cell ends in seconds
  c.min_trials = 8;
  c.max_trials = 40;  // budget: 40 x 16 = 640 images
  c.wave = 8;
  return c;
}

const auto run = [](const CampaignConfig& c) { return flipguard::testing::run_campaign_records(c); };
using flipguard::testing::fingerprints;

TEST(DesignCampaign, RunsPilotThenPlanResumesIdenticallyAndReportsTheDesignsInterval) {
  const auto full = temp_file("full.jsonl"), cut = temp_file("cut.jsonl");
  const auto reference = run(design_config(full));
  std::vector<TrialRecord> faulty;
  for (const auto& r : reference)
    if (r.ber > 0) faulty.push_back(r);
  const auto strata = design_strata(faulty.at(0).critical_words, 1e-5);
  ASSERT_GE(strata.size(), 2u) << "the cell should stratify";
  const auto design = cell_design(design_config(full).stopping(), 1e-5, faulty.at(0).critical_words,
                                  faulty.at(0).design_batch);
  ASSERT_GT(static_cast<std::int64_t>(faulty.size()), design.pilot_trials())
      << "the plan ran after the pilot";
  std::set<std::int64_t> images_after_pilot;
  for (const auto& r : faulty) {
    ASSERT_GT(r.design_images, 0);
    EXPECT_EQ(r.images, r.design_images);
    if (r.trial < design.pilot_trials()) {
      EXPECT_EQ(r.design_images, kDesignPilotImages);
      EXPECT_EQ(r.stratum, r.trial % static_cast<std::int64_t>(strata.size()));
      EXPECT_EQ(r.design_round, r.trial / static_cast<std::int64_t>(strata.size()));
    } else {
      images_after_pilot.insert(r.design_images);
    }
    if (r.stratum >= 0) {
      // The trial's faults were drawn in its stratum.
      EXPECT_GE(r.critical_faults, r.stratum_lo) << "trial " << r.trial;
      if (r.stratum_hi >= 0) {
        EXPECT_LE(r.critical_faults, r.stratum_hi) << "trial " << r.trial;
      }
    }
  }
  EXPECT_EQ(images_after_pilot.size(), 1u) << "one plan after the pilot";

  // The report's interval is the design's: re-derived from the records, stopped as the run was.
  const CellSummary s = summarize(faulty);
  EXPECT_EQ(s.interval, "betting-mix-stratified");
  EXPECT_EQ(s.images, *images_after_pilot.begin());
  EXPECT_TRUE(s.stopped == "target reached" || s.stopped == "max reached") << s.stopped;
  EXPECT_LE(s.top1.lo, s.top1.mean);
  EXPECT_GE(s.top1.hi, s.top1.mean);
  if (s.stopped == "target reached") {
    EXPECT_LE(s.top1.ci95, 15.0);
  }

  // A run killed after the pilot and part of the plan: the first records, then a torn line.
  const std::size_t keep =
      std::min<std::size_t>(reference.size() - 3, static_cast<std::size_t>(design.pilot_trials()) + 5);
  std::ifstream in(full);
  std::ofstream out(cut);
  std::string line;
  for (std::size_t i = 0; i <= keep && std::getline(in, line); ++i)
    out << (i < keep ? line + "\n" : line.substr(0, line.size() / 2));
  out.close();
  std::ostringstream log;
  const auto summary = run_campaign(
      design_config(cut), [](const CampaignProgress&) {}, log);
  EXPECT_EQ(summary.trials_skipped, static_cast<std::int64_t>(keep));
  EXPECT_EQ(fingerprints(report::read_results(cut).records), fingerprints(reference));
  fs::remove(full);
  fs::remove(cut);
}

TEST(DesignCampaign, AutoIsRefusedWhereItCannotRun) {
  CampaignConfig c = design_config(temp_file("refused.jsonl"));
  c.floor = 20;
  EXPECT_THROW(c.validate(), std::invalid_argument);
  c.floor = 0;
  c.images = 32;  // fewer than the 64 images a plan may choose
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

}  // namespace
