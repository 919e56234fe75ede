// Exact shortcuts (setting `shortcuts`): a trial whose faults change no read-back weight reuses the
// fault-free logits; a trial over the whole set whose faulted weights are all read late starts from kept
// activations. Either way its record must be the record of a full pass, field by field: checked by running
// the same campaigns with shortcuts on and off.
#include <gtest/gtest.h>

#include <sstream>

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
  c.images = 40;
  c.trials = 6;
  return c;
}

std::vector<TrialRecord> run(CampaignConfig c, const std::string& shortcuts) {
  c.shortcuts = shortcuts;
  c.results =
      (fs::path(c.results).parent_path() / (shortcuts + "-" + fs::path(c.results).filename().string()))
          .string();
  return flipguard::testing::run_campaign_records(c);
}

void expect_same_records(const std::vector<TrialRecord>& with, const std::vector<TrialRecord>& without,
                         const std::string& what) {
  ASSERT_EQ(with.size(), without.size()) << what;
  for (std::size_t i = 0; i < with.size(); ++i)
    EXPECT_EQ(flipguard::testing::fingerprint(with[i]), flipguard::testing::fingerprint(without[i])) << what;
  for (const auto& r : without) EXPECT_FALSE(r.reused || r.start_layer > 0) << what << ": shortcuts off";
}

}  // namespace

// SECDED corrects every single flip of a word: at 3e-5 most ResNet-20 trials change no weight. Whole set,
// a per-trial sample of images and the floor's early stops must all come out as inference gives them.
TEST(ExactShortcuts, TrialsThatChangeNoWeightReuseTheFaultFreeAnswerExactly) {
  flipguard::testing::TempDir dir("shortcut-reuse");
  for (int variant = 0; variant < 3; ++variant) {
    CampaignConfig c = base_config(dir / ("r" + std::to_string(variant) + ".jsonl"));
    c.protections = {"none", "ecc72"};
    c.bers = {3e-5};
    if (variant == 1) c.images_per_trial = 9;
    if (variant == 2) c.floor = 95;  // above ResNet-20's Top-1: some trials stop early, reused or not
    const auto with = run(c, "on");
    expect_same_records(with, run(c, "off"), "variant " + std::to_string(variant));
    int reused = 0, unchanged = 0;
    for (const auto& r : with) {
      if (r.ber > 0 && r.changed_weights == 0) ++unchanged;
      if (r.reused) {
        ++reused;
        EXPECT_EQ(r.changed_weights, 0);
        EXPECT_EQ(r.sdc1, 0);
      }
    }
    EXPECT_EQ(reused, unchanged) << "every trial that changes no weight is reused";
    EXPECT_GE(reused, 4) << "ECC corrects most trials at 3e-5";
  }
}

// Faults only in the classifier, or only in the last residual block: trials over the whole set start at
// the first layer reading a faulted weight. A per-trial sample of images runs the whole network.
TEST(ExactShortcuts, TrialsFaultingLateLayersStartFromKeptActivationsExactly) {
  flipguard::testing::TempDir dir("shortcut-suffix");
  for (const std::string tensors : {"linear.weight", "layer3\\.2\\."}) {
    for (const std::int64_t per_trial : {0, 9}) {
      CampaignConfig c = base_config(dir / ("r" + std::to_string(per_trial) + ".jsonl"));
      c.tensors = tensors;
      c.protections = {"none"};
      c.bers = {1e-3};
      c.images_per_trial = per_trial;
      const auto with = run(c, "on");
      const std::string what = tensors + ", images per trial " + std::to_string(per_trial);
      expect_same_records(with, run(c, "off"), what);
      int late = 0, changed = 0;
      for (const auto& r : with) {
        if (r.ber == 0 || r.changed_weights == 0) continue;
        ++changed;
        late += r.start_layer > 0;
        EXPECT_TRUE(per_trial == 0 || r.start_layer == 0) << what;
      }
      EXPECT_GT(changed, 0) << what;
      EXPECT_EQ(late, per_trial == 0 ? changed : 0) << what;
      fs::remove_all(dir / ("on-r" + std::to_string(per_trial) + ".jsonl"));
      fs::remove_all(dir / ("off-r" + std::to_string(per_trial) + ".jsonl"));
    }
  }
}

// A suffix cannot start later than the first faulted layer: with every tensor faulted there is nothing to
// skip, and no trial claims to have started late.
TEST(ExactShortcuts, CampaignsFaultingTheFirstLayerRunTheWholeNetwork) {
  flipguard::testing::TempDir dir("shortcut-all");
  CampaignConfig c = base_config(dir / "r.jsonl");
  c.protections = {"none"};
  c.bers = {1e-3};
  c.trials = 2;
  for (const auto& r : run(c, "on")) EXPECT_EQ(r.start_layer, 0);
}
