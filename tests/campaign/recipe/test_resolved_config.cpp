// A configuration is resolved once into the pieces the lower layers take: settings validated before any file
// is read, the model recipe opened once, the batch fitted, the one data request; the campaign set up from
// them is the campaign set up from the settings directly (the same identity).
#include <gtest/gtest.h>

#include <sstream>

#include "campaign/recipe/resolved_config.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "support/test_paths.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

CampaignConfig resnet20_config() {
  CampaignConfig c;
  c.model = (flipguard::testing::models_dir() / "resnet20.json").string();
  c.data = "cifar10-lossless200";
  c.images = 20;
  c.threads = 2;
  c.bad_images = "skip";
  c.formats = {"q2.5"};
  c.protections = {"none"};
  c.bers = {1e-3};
  return c;
}

}  // namespace

TEST(ResolvedConfig, ABadSettingIsNamedBeforeTheModelIsRead) {
  auto c = resnet20_config();
  c.model = "no/such/model.onnx";
  c.images_per_trial = 30;  // more than the 20 images
  std::ostringstream log;
  try {
    (void)resolve_config(c, log);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("images_per_trial"), std::string::npos) << e.what();
  }
}

TEST(ResolvedConfig, HoldsTheCheckedModelTheBatchAndTheDataRequest) {
  const auto c = resnet20_config();
  std::ostringstream log;
  const auto r = resolve_config(c, log);
  EXPECT_EQ(log.str(), "") << "resnet20 has a dynamic batch: no note";
  EXPECT_EQ(r.config.batch, c.batch);
  EXPECT_EQ(r.model.spec.name, "resnet20");
  EXPECT_EQ(r.model.sha256, open_model(c.model, "").sha256);
  ASSERT_FALSE(r.model.graph.inputs.empty());
  EXPECT_EQ(r.data.data, "cifar10-lossless200");
  EXPECT_EQ(r.data.subset.limit, 20u);
  EXPECT_EQ(r.data.threads, 2u);
  EXPECT_EQ(r.data.bad_images, data::BadImages::kSkip);
}

TEST(ResolvedConfig, TheCampaignSetUpFromItIsTheSameCampaign) {
  const auto c = resnet20_config();
  std::ostringstream log;
  const auto resolved = CampaignSetup::load(resolve_config(c, log));
  const auto direct = CampaignSetup::load(c);
  EXPECT_EQ(resolved.campaign_id, direct.campaign_id);
  EXPECT_EQ(resolved.identity.id(), direct.identity.id());
  EXPECT_EQ(resolved.base.data_hash, direct.base.data_hash);
  EXPECT_EQ(resolved.images.size(), 20u);
  EXPECT_EQ(resolved.cells.size(), direct.cells.size());
}
