// Failures that say what they are, through the CLI: a folder where a file belongs, a preprocessing that makes
// every input infinite, numbers a float cannot hold, a model that does not fit in memory (whatever the limit,
// the error is about memory, never "not a valid ONNX model" or a bare std::bad_alloc).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "onnx_files.hpp"
#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace {

// Ten images are enough for every failure here.
std::vector<std::string> ten_image_campaign(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--images", "10"};
  args.insert(args.end(), extra.begin(), extra.end());
  return small_campaign(args);
}

TEST(HonestFailures, AFolderGivenForAFileIsNamedAsAFolder) {
  TempDir dir;
  std::filesystem::create_directories(dir / "study.toml");
  EXPECT_TRUE(one_line_error(run_cli(ten_image_campaign({"--config", (dir / "study.toml").string(),
                                                         "--results", (dir / "r.jsonl").string()})),
                             {"study.toml", "is a folder"}));
  // The sidecar's model file is a folder.
  const auto sidecar = write_model(dir, "folder", tiny_classifier());
  std::filesystem::remove(dir / "folder.onnx");
  std::filesystem::create_directories(dir / "folder.onnx");
  EXPECT_TRUE(
      one_line_error(run_cli({"eval", "--model", sidecar, "--limit", "4", "--assets", assets_dir().string()}),
                     {"folder.onnx", "is a folder"}));
  // The sidecar itself.
  std::filesystem::create_directories(dir / "side.json");
  EXPECT_TRUE(
      one_line_error(run_cli({"eval", "--model", (dir / "side.json").string()}), {"side.json", "folder"}));
}

TEST(HonestFailures, APreprocessingThatMakesInputsInfiniteIsRefused) {
  TempDir dir;
  const auto sidecar = write_model(dir, "tiny", tiny_classifier());
  auto j = nlohmann::json::parse(read_file(sidecar));
  j["preprocess"]["std"] = {1e-300, 1e-300, 1e-300};
  write_file(sidecar, j.dump(2));
  EXPECT_TRUE(
      one_line_error(run_cli({"eval", "--model", sidecar, "--limit", "4", "--assets", assets_dir().string()}),
                     {"tiny.json", "preprocess.std", "not a finite float input"}));
  EXPECT_TRUE(one_line_error(
      run_cli(ten_image_campaign({"--model", sidecar, "--results", (dir / "r.jsonl").string()})),
      {"preprocess.std"}));
  EXPECT_FALSE(std::filesystem::exists(dir / "r.jsonl"));
}

TEST(HonestFailures, SubnormalNumbersAreNumbers) {
  TempDir dir;
  // A subnormal double is a valid rate: accepted (it means almost no faults), never "not a rate in [0, 1]".
  const auto r = run_cli(ten_image_campaign({"--bers", "1e-310", "--results", (dir / "r.jsonl").string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A subnormal float is a storable weight; a number below the smallest float is refused, saying so.
  const auto tiny = run_cli({"inspect-format", "--format", "fp32", "--value", "1e-44"});
  EXPECT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_NE(tiny.out.find("9.809089e-45"), std::string::npos) << tiny.out;
  EXPECT_TRUE(
      one_line_error(run_cli({"inspect-format", "--value", "1e-50"}), {"--value 1e-50", "rounds to 0"}));
  EXPECT_TRUE(one_line_error(run_cli({"inspect-format", "--value", "1e39"}), {"--value 1e39", "largest"}));
}

TEST(HonestFailures, ANonFiniteStoredWeightIsRefusedNamingTensorAndModel) {
  for (const float bad : {std::nanf(""), -INFINITY}) {
    TempDir dir;
    auto m = tiny_classifier();
    std::vector<float> w(30, 0.1f);
    w[17] = bad;
    *m.mutable_graph()->mutable_initializer(0) = float_tensor("W", {10, 3}, w);
    const auto sidecar = write_model(dir, "tiny", m);
    // fp32 could store it and fixed point could not: both are refused the same way, before any trial.
    for (const char* format : {"fp32", "q2.5"}) {
      const auto r = run_cli({"campaign", "--model", sidecar, "--assets", assets_dir().string(), "--formats",
                              format, "--protections", "none,scale", "--bers", "1e-3", "--trials", "1",
                              "--images", "10", "--results", (dir / "r.jsonl").string()});
      EXPECT_TRUE(one_line_error(
          r, {"tiny.onnx", "'W'", std::isnan(bad) ? "NaN" : "-inf", "element 17 of 30", "finite"}))
          << format;
    }
  }
}

// ResNet-50 under address-space limits from "cannot even read the model" to "cannot run a batch": every
// failure is reported as memory, naming what and the limit.
TEST(HonestFailures, EveryMemoryShortfallIsReportedAsMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "address-space caps cannot apply to a sanitized binary (shadow memory)";
#endif
  int failures = 0;
  for (long mib : {160, 260, 360, 440, 520, 640, 800}) {
    const auto r = run_cli({"eval", "--model", "resnet50", "--models-dir", models_dir().string(), "--assets",
                            assets_dir().string(), "--limit", "32", "--batch", "32"},
                           mib * 1024);
    if (r.exit_code == 0) continue;  // enough at this limit
    ++failures;
    EXPECT_TRUE(one_line_error(r, {"memory"})) << mib << " MiB";
    // "a buffer of the": the last-resort message of an allocation that did not name itself.
    for (const char* wrong : {"not a valid ONNX", "std::bad_alloc", "oneDNN refused", "a buffer of the"})
      EXPECT_EQ(r.err.find(wrong), std::string::npos) << mib << " MiB: " << r.err;
    EXPECT_NE(r.err.find("ulimit -v"), std::string::npos) << mib << " MiB: the limit is named: " << r.err;
  }
  EXPECT_GE(failures, 3) << "the limits should be too small for at least the first three";
  // A campaign also allocates each configuration's stored weights (a limit between what eval and a campaign
  // of the same batch need); its record file keeps no partial record.
  TempDir dir;
  const auto results = (dir / "r.jsonl").string();
  for (long mib : {600, 700}) {
    const auto r = run_cli(
        ten_image_campaign({"--model", "resnet50", "--images", "32", "--batch", "32", "--results", results}),
        mib * 1024);
    if (r.exit_code == 0) continue;
    ++failures;
    EXPECT_TRUE(one_line_error(r, {"memory", "ulimit -v"})) << mib << " MiB";
    EXPECT_EQ(r.err.find("a buffer of the"), std::string::npos) << mib << " MiB: " << r.err;
  }
  EXPECT_GE(failures, 4);
}

}  // namespace
}  // namespace flipguard::robustness
