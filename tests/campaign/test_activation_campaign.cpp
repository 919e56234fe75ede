// The activations site through the campaign path: its records count the flips the rate predicts over every
// value of every image; the same trials at another batch size give the same records (faults follow the
// images' dataset indices); the guard keeps non-finite logits out; the site is part of the identity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/fault_setting.hpp"
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

namespace {

// Stored weights in int8 (the grid) with every activation in fp32 at ten times the cell's rate beside them.
CampaignConfig weights_with_activations(const std::string& name, int batch) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(flipguard::testing::scratch_path(name));
  std::filesystem::remove(c.results);
  c.formats = {"int8"};
  c.protections = {"none"};
  c.bers = {1e-5};
  c.trials = 3;
  c.images = 24;
  c.batch = batch;
  set_setting(c, "second_site", "activations");
  set_setting(c, "second_ber", "cell*10");
  return c;
}

}  // namespace

TEST(WeightsAndActivationsCampaign, RecordsNameBothSitesAndTheBatchSizeChangesNoRecord) {
  const auto a = flipguard::testing::run_campaign_records(weights_with_activations("pair_b4.jsonl", 4));
  ASSERT_EQ(a.size(), 4u);  // the clean record and three trials
  const double value_bits = 32.0 * static_cast<double>(written_elements_per_image()) * 24;
  double second = 0;
  for (const auto& r : a) {
    EXPECT_EQ(r.site, "weights");
    EXPECT_EQ(r.second_site, "activations");
    EXPECT_EQ(r.second_tensors, "all");
    EXPECT_EQ(r.second_format, "fp32");
    EXPECT_EQ(r.second_protection, "none");
    if (r.ber == 0) {  // the clean cell: no faults at either site
      EXPECT_EQ(r.second_fault_model, "");
      EXPECT_EQ(r.flips, 0);
      EXPECT_EQ(r.second_flips, 0);
      continue;
    }
    EXPECT_EQ(r.second_fault_model, fault_spec("ber", 1e-4));
    EXPECT_GT(r.flips - r.second_flips, 0) << "no weight flips";
    second += static_cast<double>(r.second_flips);
  }
  // Flips at the activations: Binomial(every written bit of the 24 images, 1e-4) per trial, three trials.
  const double mean = 3 * value_bits * 1e-4;
  EXPECT_NEAR(second, mean, 5 * std::sqrt(mean));

  // The same campaign at batch 7 on one thread: the same records (faults follow the images' dataset indices).
  CampaignConfig c7 = weights_with_activations("pair_b7.jsonl", 7);
  c7.threads = 1;
  const auto b = flipguard::testing::run_campaign_records(c7);
  std::map<std::string, std::string> by_key;
  for (auto r : a) {
    r.campaign.clear();
    r.logit_rel_l2 = 0;
    by_key[r.record_key()] = flipguard::testing::fingerprint(r);
  }
  ASSERT_EQ(b.size(), a.size());
  for (auto r : b) {
    r.campaign.clear();
    r.logit_rel_l2 = 0;
    EXPECT_EQ(by_key[r.record_key()], flipguard::testing::fingerprint(r)) << r.record_key();
  }
}

TEST(WeightsAndActivationsCampaign, TheSecondSiteIsPartOfTheIdentityAndLayerCampaignsRefuseIt) {
  std::string log;
  const CampaignConfig both = weights_with_activations("pair_id.jsonl", 8);
  const auto pair = flipguard::testing::run_campaign_records(both, &log);
  EXPECT_NE(log.find("second fault site: activations tensors all format fp32"), std::string::npos) << log;
  CampaignConfig alone = weights_with_activations("pair_alone.jsonl", 8);
  alone.second_site = "none";
  const auto plain = flipguard::testing::run_campaign_records(alone);
  CampaignConfig fp16 = weights_with_activations("pair_fp16.jsonl", 8);
  set_setting(fp16, "second_format", "fp16");
  const auto other = flipguard::testing::run_campaign_records(fp16);
  EXPECT_NE(pair.front().campaign, plain.front().campaign);
  EXPECT_NE(pair.front().campaign, other.front().campaign);
  for (const auto& r : plain) EXPECT_EQ(r.second_site, "");
  // Resuming runs nothing more.
  std::ostringstream sink;
  const auto resumed = run_campaign(
      both, [](const CampaignProgress&) {}, sink);
  EXPECT_EQ(resumed.trials_run, 0);
  EXPECT_EQ(resumed.trials_skipped, static_cast<std::int64_t>(pair.size()));

  CampaignConfig layers = weights_with_activations("pair_layers.jsonl", 8);
  try {
    run_layer_campaign(
        layers, [](const LayerCampaignProgress&) {}, sink);
    ADD_FAILURE() << "a layer campaign ran with a second site";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("second_site"), std::string::npos) << e.what();
  }
}

TEST(ActivationCampaign, TheSiteBringsItsOwnGridWhereNoneIsGiven) {
  CampaignConfig c;
  set_setting(c, "site", "activations");
  resolve_given_settings(c);
  EXPECT_EQ(c.formats, std::vector<std::string>{"fp32"});
  EXPECT_EQ(c.protections, (std::vector<std::string>{"none", "ranger"}));
  CampaignConfig given;
  set_setting(given, "site", "activations");
  set_setting(given, "formats", "int8,fp16");
  resolve_given_settings(given);
  EXPECT_EQ(given.formats, (std::vector<std::string>{"int8", "fp16"}));
  EXPECT_EQ(given.protections, (std::vector<std::string>{"none", "ranger"}));
  CampaignConfig weights;
  resolve_given_settings(weights);
  EXPECT_EQ(weights.formats, CampaignConfig{}.formats);
  EXPECT_EQ(weights.protections, CampaignConfig{}.protections);
}
