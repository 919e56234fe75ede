// Two fault sites in one trial (weights and activations together): the pair's faults are exactly each
// site's own faults for the same (seed, trial, images), at the second site's rate as second_ber sets it from
// the cell's; its flips are counted in the total and apart; restore leaves the executor as it was; a
// selection of the second site that matches nothing is named as the second site's.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "campaign/settings/campaign_config.hpp"
#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "fault_sites/campaign_sites.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "support/resnet20_executor.hpp"
#include "support/test_paths.hpp"

namespace flipguard::fault_sites {
namespace {

// The input batch of seed 11, and the dataset images it stands for.
struct Fixture : flipguard::testing::ResNet20Executor {
  std::vector<std::size_t> images{40, 41, 42, 43};
  Fixture() : ResNet20Executor(11) {}
};
using flipguard::testing::same_bits;

campaign::CampaignConfig weights_and_activations(const std::string& second_ber) {
  campaign::CampaignConfig c;
  c.site = "weights";
  c.second_site = "activations";
  c.second_format = "fp16";
  c.second_protection = "none";
  c.second_ber = second_ber;
  return c;
}

TEST(SitePair, ATrialIsEachSitesOwnFaultsAtTheSecondSitesRate) {
  Fixture f;
  const auto clean = f.run();
  const double cell = 1e-5;
  const auto pair = select_campaign_sites(f.ex, weights_and_activations("cell*10"));
  std::vector<float> together;
  TrialPatchStats pair_stats;
  {
    const auto faults = pair->configure("int8", "none");
    const auto model = faults::FaultModel::parse("ber:1e-5");
    pair_stats =
        faults->inject({.model = model, .seed = 3, .trial = 2, .images = f.images, .cell_rate = cell});
    together = f.run();
    pair_stats += faults->restore();
  }
  EXPECT_TRUE(same_bits(f.run(), clean)) << "the pair left the executor changed";

  // The same trial, each site configured and injected on its own: the weights at the cell's rate, the
  // activations at ten times it.
  const auto weights = fault_site_type("weights").select(f.ex, "all");
  const auto values = fault_site_type("activations").select(f.ex, "all");
  TrialPatchStats weight_stats, value_stats;
  std::vector<float> apart;
  {
    const auto wf = weights->configure("int8", "none");
    const auto vf = values->configure("fp16", "none");
    const auto wm = faults::FaultModel::parse("ber:1e-5");
    const auto vm = faults::FaultModel::parse("ber:1e-4");
    weight_stats = wf->inject({.model = wm, .seed = 3, .trial = 2, .images = f.images});
    value_stats = vf->inject({.model = vm, .seed = 3, .trial = 2, .images = f.images});
    apart = f.run();
    value_stats += vf->restore();
    weight_stats += wf->restore();
  }
  EXPECT_TRUE(same_bits(together, apart)) << "the pair's trial is not the two sites' trials together";
  EXPECT_FALSE(same_bits(together, clean));
  ASSERT_GT(weight_stats.flips, 0);
  ASSERT_GT(value_stats.flips, 0);
  EXPECT_EQ(pair_stats.flips, weight_stats.flips + value_stats.flips);
  EXPECT_EQ(pair_stats.second_flips, value_stats.flips);
  EXPECT_EQ(pair_stats.changed_weights, weight_stats.changed_weights + value_stats.changed_weights);
  // The critical-bit count a design stratifies on is the first site's alone.
  EXPECT_EQ(pair_stats.critical_words, weight_stats.critical_words);
  EXPECT_EQ(pair_stats.critical_faults, weight_stats.critical_faults);
}

TEST(SitePair, AFixedSecondRateDrawsTheSameSecondFaultsInEveryCell) {
  Fixture f;
  const auto pair = select_campaign_sites(f.ex, weights_and_activations("1e-4"));
  const auto faults = pair->configure("fp16", "none");
  std::vector<std::int64_t> second, total;
  for (double cell : {1e-7, 1e-5}) {
    const auto model = faults::FaultModel::parse("ber:" + std::to_string(cell));
    auto s = faults->inject({.model = model, .seed = 8, .trial = 1, .images = f.images, .cell_rate = cell});
    f.run();
    s += faults->restore();
    second.push_back(s.second_flips);
    total.push_back(s.flips);
  }
  ASSERT_GT(second[0], 0);
  EXPECT_EQ(second[0], second[1]);
  EXPECT_LT(total[0], total[1]);  // the weights' share follows the cell
}

TEST(SitePair, StartsWhereEitherSiteFirstFaultsAndNamesTheSecondSelection) {
  Fixture f;
  auto c = weights_and_activations("cell");
  c.tensors = "linear.weight";  // the last layer's weights only
  c.second_tensors = "all";
  const auto pair = select_campaign_sites(f.ex, c);
  const auto weights = fault_site_type("weights").select(f.ex, "linear.weight");
  EXPECT_GT(weights->first_faulted_cut(), 0);
  EXPECT_EQ(pair->first_faulted_cut(), 0);
  EXPECT_EQ(pair->targets(), weights->targets());  // the grid's site answers for the targets
  c.second_tensors = "^no such value$";
  try {
    (void)select_campaign_sites(f.ex, c);
    FAIL() << "a second selection matching nothing was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("second_tensors"), std::string::npos) << e.what();
  }
  c.second_tensors = "all";
  c.second_fault = "target@no_such_value,0,0,1";
  EXPECT_THROW((void)select_campaign_sites(f.ex, c), std::invalid_argument);
}

// Int8 activations take their scales from the fault-free model, whichever weight configuration the pair
// built before: a broken one first (Q2.5 without scaling rounds most ResNet-20 weights away) changes nothing
// in the next one's clean logits.
TEST(SitePair, ActivationRangesComeFromTheFaultFreeModelNotThePreviousConfiguration) {
  Fixture f;
  data::PreprocessedSet calibration;
  const auto& dims = f.ex.input_dims();
  calibration.channels = static_cast<std::size_t>(dims[1]);
  calibration.height = static_cast<std::size_t>(dims[2]);
  calibration.width = static_cast<std::size_t>(dims[3]);
  calibration.tensor = f.input;
  calibration.targets.assign(static_cast<std::size_t>(f.ex.batch()), -1);
  auto c = weights_and_activations("cell");
  c.second_format = "int8";
  const auto logits_of = [&](const std::vector<std::string>& protections) {
    const auto pair = select_campaign_sites(f.ex, c);
    pair->calibrate({&calibration, "the test's batch"});
    std::vector<float> last;
    for (const auto& p : protections) {
      const auto faults = pair->configure("q2.5", p);
      last = f.run();
    }
    return last;
  };
  const auto alone = logits_of({"scale"});
  const auto after_none = logits_of({"none", "scale"});
  EXPECT_TRUE(same_bits(alone, after_none)) << "the int8 scales followed the configuration built before";
}

}  // namespace
}  // namespace flipguard::fault_sites
