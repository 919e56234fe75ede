// `flipguard layer-campaign` end to end: it runs, prints one row per faulted layer, writes the per-layer
// report, and refuses what it cannot do with a message and a non-zero exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/cli_run.hpp"

namespace flipguard::testing {
namespace {

std::vector<std::string> two_layers(const std::string& results) {
  return {"layer-campaign",
          "--model",
          "resnet20",
          "--models-dir",
          models_dir().string(),
          "--tensors",
          "^(conv1|linear)\\.weight$",
          "--formats",
          "q2.5",
          "--protections",
          "none,scale",
          "--bers",
          "1e-2",
          "--trials",
          "2",
          "--images",
          "32",
          "--results",
          results};
}

TEST(LayerCampaignCli, PrintsOneRowPerLayerAndWritesTheLayerReport) {
  TempDir dir("layer-cli");
  const auto results = dir / "layers.jsonl";
  const auto r = run_cli(two_layers(results.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 layers (2 run, 0 already done)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| conv1.weight |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| linear.weight |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| BER 0.01 |"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "layers-report" / "layers.md"));
  // Rerun: everything is there already.
  const auto again = run_cli(two_layers(results.string()));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("2 layers (0 run, 2 already done), 0 trials run"), std::string::npos) << again.out;
}

TEST(LayerCampaignCli, RefusesScaleAtLogitsAndUnknownOptions) {
  TempDir dir("layer-cli");
  const auto r = run_cli(
      {"layer-campaign", "--protections", "scale@logits", "--results", (dir / "never.jsonl").string()});
  EXPECT_TRUE(one_line_error(r, {"scale@logits"}));
  EXPECT_FALSE(std::filesystem::exists(dir / "never.jsonl"));
  EXPECT_TRUE(one_line_error(run_cli({"layer-campaign", "--layers", "3"}), {"unknown option '--layers'"}));
  // An option of ordinary campaigns only.
  EXPECT_TRUE(
      one_line_error(run_cli({"layer-campaign", "--ci-target", "2"}), {"unknown option '--ci-target'"}));
}

}  // namespace
}  // namespace flipguard::testing
