// `flipguard layer-campaign` end to end: it runs, prints one row per faulted layer, writes the per-layer
// report, and refuses what it cannot do with a message and a non-zero exit code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Result {
  int status;
  std::string output;
};

Result run(const std::string& args) {
  const std::string cmd = std::string(FLIPGUARD_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) r.output += buf.data();
  r.status = pclose(p);
  return r;
}

TEST(LayerCampaignCli, PrintsOneRowPerLayerAndWritesTheLayerReport) {
  const auto dir = fs::temp_directory_path() / ("flipguard_layer_cli_" + std::to_string(getpid()));
  const auto results = dir / "layers.jsonl";
  const std::string models = (fs::path(FLIPGUARD_SOURCE_DIR) / "models").string();
  const auto r =
      run("layer-campaign --model resnet20 --models-dir " + models +
          " --tensors '^(conv1|linear)\\.weight$' --formats q2.5 --protections none,scale --bers 1e-2 "
          "--trials 2 --images 32 --results " +
          results.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 layers (2 run, 0 already done)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| conv1.weight |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| linear.weight |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| BER 0.01 |"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "layers-report" / "layers.md"));
  // Rerun: everything is there already.
  const auto again =
      run("layer-campaign --model resnet20 --models-dir " + models +
          " --tensors '^(conv1|linear)\\.weight$' --formats q2.5 --protections none,scale --bers "
          "1e-2 --trials 2 --images 32 --results " +
          results.string());
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("2 layers (0 run, 2 already done), 0 trials run"), std::string::npos)
      << again.output;
  fs::remove_all(dir);
}

TEST(LayerCampaignCli, RefusesScaleAtLogitsAndUnknownOptions) {
  const auto r = run("layer-campaign --protections scale@logits --results /tmp/never.jsonl");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("scale@logits"), std::string::npos) << r.output;
  const auto u = run("layer-campaign --layers 3");
  EXPECT_NE(u.status, 0);
  EXPECT_NE(u.output.find("unknown option '--layers'"), std::string::npos) << u.output;
}

}  // namespace
