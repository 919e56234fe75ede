// A sidecar whose claims the ONNX file contradicts is refused by every command that opens the model, with
// one error line naming both files, the field and the way out; the sidecar that model-init then writes is
// accepted.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli_run.hpp"

namespace fs = std::filesystem;
using flipguard::testing::one_line_error;
using flipguard::testing::read_file;
using flipguard::testing::run_cli;
using flipguard::testing::TempDir;
using flipguard::testing::write_file;

namespace {

const fs::path kModels = flipguard::testing::models_dir();

}  // namespace

TEST(SidecarClaims, EveryCommandRefusesASidecarTheModelFileContradicts) {
  TempDir dir("claims-cli");
  const fs::path sidecar = dir / "mnist8.json", onnx = dir / "mnist8.onnx";
  fs::copy_file(kModels / "mnist8.onnx", onnx);
  const std::string good = read_file(kModels / "mnist8.json");
  const std::string sha = "d5602abd80b9a999e41fbb284be442ac34e05b02937764c181607551c6e5bede";
  struct Case {
    std::string field, from, to;
  };
  for (const Case& k : {Case{"sha256", sha, std::string(64, 'a')},
                        Case{"input.height", "\"height\": 28", "\"height\": 32"}}) {
    SCOPED_TRACE(k.field);
    std::string text = good;
    text.replace(text.find(k.from), k.from.size(), k.to);
    write_file(sidecar, text);
    const std::vector<std::string> named{sidecar.string() + ": field '" + k.field + "'", onnx.string(),
                                         "flipguard model-init " + onnx.string()};
    const std::string results = (dir / "r.jsonl").string();
    EXPECT_TRUE(one_line_error(run_cli({"eval", "--model", sidecar.string(), "--images", "16"}), named));
    EXPECT_TRUE(one_line_error(run_cli({"inspect-model", sidecar.string()}), named));
    EXPECT_TRUE(one_line_error(run_cli({"model-init", sidecar.string()}), named));
    EXPECT_TRUE(one_line_error(run_cli({"campaign", "--model", sidecar.string(), "--images", "16", "--trials",
                                        "1", "--bers", "1e-3", "--results", results}),
                               named));
    EXPECT_TRUE(one_line_error(run_cli({"run", "--model", sidecar.string(), "--images", "16", "--format",
                                        "q3.4", "--out", (dir / "x.npy").string()}),
                               named));
    EXPECT_FALSE(fs::exists(results));
  }
  // The way out the error names: a sidecar written anew from the file is accepted.
  const auto init = run_cli({"model-init", onnx.string(), "--channel-order", "GRAY", "--scale", "1/255",
                             "--out", sidecar.string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const auto eval = run_cli({"eval", "--model", sidecar.string(), "--data", "mnist-test", "--images", "16"});
  EXPECT_EQ(eval.exit_code, 0) << eval.err;
  const auto inspect = run_cli({"inspect-model", sidecar.string()});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}
