// The activations site through the campaign path: its records count the flips the rate predicts over every
// value of every image; the same trials at another batch size give the same records (faults follow the
// images' dataset indices); the guard keeps non-finite logits out; the site is part of the identity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "campaign/settings/settings.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

// Elements per image of every value ResNet-20 writes, what the activations site faults under "all".
std::int64_t written_elements_per_image() {
  engine::ExecutorOptions eo;
  eo.batch = 1;
  engine::Executor ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), eo);
  std::int64_t n = 0;
  for (const auto& v : ex.written_values()) n += v.elements_per_image();
  return n;
}

CampaignConfig activations_campaign(const std::string& name, int batch) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(flipguard::testing::scratch_path(name));
  std::filesystem::remove(c.results);
  set_setting(c, "site", "activations");
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {1e-6};
  c.trials = 4;
  c.images = 24;
  c.batch = batch;
  return c;
}

}  // namespace

TEST(ActivationCampaign, FlipsMatchTheRateAndTheBatchSizeChangesNoRecord) {
  const auto a = flipguard::testing::run_campaign_records(activations_campaign("act_b4.jsonl", 4));
  // Everything equal but the campaign id (the batch is part of it) and the logits' relative L2 distance, a
  // sum over batches whose rounding follows the batch boundaries.
  std::map<std::string, std::pair<std::string, double>> by_key;
  for (auto r : a) {
    const double l2 = r.logit_rel_l2;
    r.campaign.clear();
    r.logit_rel_l2 = 0;
    by_key[r.record_key()] = {flipguard::testing::fingerprint(r), l2};
  }
  // Batch sizes 1, 7 and 16 (a partial last batch in each), one thread or two.
  for (const auto& [batch, threads] : {std::pair{7, 1}, std::pair{16, 2}, std::pair{1, 1}}) {
    CampaignConfig c = activations_campaign("act_b" + std::to_string(batch) + ".jsonl", batch);
    c.threads = threads;
    const auto b = flipguard::testing::run_campaign_records(c);
    ASSERT_EQ(a.size(), b.size());
    for (auto r : b) {
      const double l2 = r.logit_rel_l2;
      r.campaign.clear();
      r.logit_rel_l2 = 0;
      EXPECT_EQ(by_key[r.record_key()].first, flipguard::testing::fingerprint(r))
          << r.record_key() << " at batch " << batch << ", " << threads << " threads";
      EXPECT_NEAR(by_key[r.record_key()].second, l2, 1e-12 * std::max(1.0, l2)) << r.record_key();
    }
  }
  // Flips: Binomial(32 bits x every written element x images, rate) per trial, summed over the trials.
  const double bits = 32.0 * static_cast<double>(written_elements_per_image());
  double flips = 0, trials_images = 0;
  for (const auto& r : a) {
    if (r.ber == 0) continue;
    flips += static_cast<double>(r.flips);
    trials_images += static_cast<double>(r.images);
  }
  const double expected = bits * trials_images * 1e-6;
  ASSERT_GT(expected, 50);  // enough flips for the check to mean something
  EXPECT_NEAR(flips, expected, 5 * std::sqrt(expected)) << "over " << trials_images << " image inferences";
  EXPECT_NE(a.front().campaign, "");
}

TEST(ActivationCampaign, TheNanGuardKeepsNonFiniteLogitsOut) {
  CampaignConfig c = activations_campaign("act_guard.jsonl", 8);
  c.protections = {"none", "nanguard"};
  c.bers = {3e-4};
  c.trials = 2;
  std::int64_t unguarded = 0, guarded = 0;
  for (const auto& r : flipguard::testing::run_campaign_records(c)) {
    if (r.ber == 0) continue;
    (r.protection == "none" ? unguarded : guarded) += r.non_finite;
  }
  // At 3e-4 every image takes hundreds of flips, some on a top exponent bit: Inf and NaN reach the logits.
  EXPECT_GT(unguarded, 0);
  EXPECT_EQ(guarded, 0);
}

TEST(ActivationCampaign, NarrowFormatsAndUnsupportedSettingsAreNamed) {
  CampaignConfig c = activations_campaign("act_bad.jsonl", 4);
  c.tensors = "no_such_value";
  try {
    flipguard::testing::run_campaign_records(c);
    ADD_FAILURE() << "a selection matching nothing ran";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("matches no value the model writes"), std::string::npos) << e.what();
  }
  for (const auto& [format, protection, words] :
       {std::tuple{"int8-channel", "none", "use int8 (one scale per value)"},
        std::tuple{"fp32", "scale", "does not apply to activations yet"}}) {
    c = activations_campaign("act_bad.jsonl", 4);
    c.formats = {format};
    c.protections = {protection};
    try {
      flipguard::testing::run_campaign_records(c);
      ADD_FAILURE() << format << " / " << protection << " ran on activations";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(c.results) && std::filesystem::file_size(c.results) > 0);
}

TEST(ActivationCampaign, Int8AndTheRangeGuardsProfileOnImagesAfterTheEvaluatedOnes) {
  CampaignConfig c = activations_campaign("act_ranges.jsonl", 8);
  c.formats = {"fp32", "int8"};
  c.protections = {"none", "ranger", "clip-act"};
  c.bers = {1e-5};
  c.trials = 3;
  c.calibration_images = 32;
  std::string log;
  const auto records = flipguard::testing::run_campaign_records(c, &log);
  EXPECT_NE(log.find("profiled on 32 images of cifar10-lossless200 after the 24 evaluated"),
            std::string::npos)
      << log;
  std::map<std::string, double> clean_top1;
  std::map<std::string, std::int64_t> sdc, images;
  for (const auto& r : records) {
    const std::string cfg = r.format + "/" + r.protection;
    if (r.ber == 0) {
      clean_top1[cfg] = static_cast<double>(r.top1) / static_cast<double>(r.images);
      continue;
    }
    sdc[cfg] += r.sdc1;
    images[cfg] += r.images;
  }
  ASSERT_EQ(clean_top1.size(), 6u);
  // int8 storage of every value with one calibrated scale each, and guards whose ranges come from other
  // images: the clean answers stay within a few images of fp32's.
  for (const auto& [cfg, top1] : clean_top1) EXPECT_NEAR(top1, clean_top1["fp32/none"], 0.13) << cfg;
  // At 1e-5 (about 7 flips per image in fp32 words) most unguarded answers change; clamping or zeroing the
  // values outside their clean range keeps most of them.
  EXPECT_GT(sdc["fp32/none"], images["fp32/none"] / 2);
  EXPECT_LT(sdc["fp32/ranger"], sdc["fp32/none"] / 2) << sdc["fp32/ranger"] << " vs " << sdc["fp32/none"];
  EXPECT_LT(sdc["fp32/clip-act"], sdc["fp32/none"] / 2);
  // int8 words have no exponent: a flip moves a value by at most its range, so far fewer answers change.
  EXPECT_LT(sdc["int8/none"], sdc["fp32/none"]);
}

TEST(ActivationCampaign, Ecc72RecordsItsCheckBitsAndCorrectsAlmostEveryFlip) {
  CampaignConfig c = activations_campaign("act_ecc.jsonl", 8);
  c.protections = {"none", "ecc72"};
  c.bers = {1e-5};
  c.trials = 3;
  std::map<std::string, std::int64_t> flips, corrected, sdc, images;
  for (const auto& r : flipguard::testing::run_campaign_records(c)) {
    EXPECT_EQ(r.memory_overhead, r.protection == "ecc72" ? 0.125 : 0.0) << r.protection;
    if (r.ber == 0) continue;
    flips[r.protection] += r.flips;
    corrected[r.protection] += r.ecc_corrected;
    sdc[r.protection] += r.sdc1;
    images[r.protection] += r.images;
  }
  // The same data flips in both cells of a trial, and the check bits' on top; about 74 flips per image over
  // some 115,000 codewords, two in one codeword about once in 34 images: almost every codeword read is
  // corrected and almost no answer changes.
  EXPECT_GT(flips["ecc72"], flips["none"]);
  EXPECT_GE(corrected["ecc72"], flips["ecc72"] * 9 / 10);
  EXPECT_GT(sdc["none"], images["none"] / 2);
  EXPECT_LE(sdc["ecc72"] * 10, sdc["none"]) << sdc["ecc72"] << " vs " << sdc["none"];
}
