// Hostile input through the CLI: a FIFO given wherever a file is read (it blocked open() forever, deaf to
// SIGTERM), data and model paths whose names are not UTF-8 (the JSON of records and sidecars refused them,
// naming no file), a single class folder (labelled 0 without a word).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "onnx_files.hpp"
#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace {

namespace fs = std::filesystem;

// A short timeout: a FIFO that blocks shows as a kill, not a stuck suite.
constexpr int kTimeout = 60;

std::vector<std::string> eval_args(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"eval", "--models-dir", models_dir().string(), "--assets",
                                assets_dir().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void copy_image(const std::string& cls, int i, const fs::path& to) {
  char name[16];
  std::snprintf(name, sizeof name, "%04d.jpg", i);
  fs::create_directories(to.parent_path());
  fs::copy_file(assets_dir() / "cifar10" / "test-jpeg" / cls / name, to);
}

fs::path make_fifo(const TempDir& dir, const std::string& name) {
  const fs::path p = dir / name;
  EXPECT_EQ(::mkfifo(p.c_str(), 0644), 0);
  return p;
}

TEST(HostileInput, AFifoGivenForAnyFileIsRefusedNamingIt) {
  TempDir dir;
  const auto results = (dir / "r.jsonl").string();
  // The model: an .onnx file, and a sidecar.
  EXPECT_TRUE(one_line_error(
      run_cli(eval_args({"--model", make_fifo(dir, "m.onnx").string(), "--preset", "cifar"}), 0, kTimeout),
      {"m.onnx: is a FIFO, not an ONNX model file"}));
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--model", make_fifo(dir, "m.json").string()}), 0, kTimeout),
                             {"m.json: is a FIFO"}));
  // A sidecar whose model file is a FIFO.
  auto sidecar = nlohmann::json::parse(read_file(models_dir() / "resnet20.json"));
  sidecar["onnx"] = "pipe.onnx";
  sidecar["sha256"] = "";
  write_file(dir / "side.json", sidecar.dump(2));
  (void)make_fifo(dir, "pipe.onnx");
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--model", (dir / "side.json").string()}), 0, kTimeout),
                             {"pipe.onnx: is a FIFO"}));
  // The campaign config.
  EXPECT_TRUE(one_line_error(
      run_cli(small_campaign({"--config", make_fifo(dir, "c.toml").string(), "--results", results}), 0,
              kTimeout),
      {"c.toml: is a FIFO"}));
  // The data: a list file, a classes file, a labels file.
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--data", make_fifo(dir, "list.txt").string()}), 0, kTimeout),
                             {"list.txt: is a FIFO"}));
  copy_image("cat", 0, dir / "imgs" / "cat" / "a.jpg");
  copy_image("dog", 0, dir / "imgs" / "dog" / "b.jpg");
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--data", (dir / "imgs").string(), "--classes",
                                                make_fifo(dir, "classes.txt").string()}),
                                     0, kTimeout),
                             {"classes.txt: is a FIFO"}));
  write_file(dir / "x.npy", npy_inputs(2));
  ASSERT_EQ(run_cli(eval_args({"--data", (dir / "x.npy").string()}), 0, kTimeout).exit_code, 0);
  EXPECT_TRUE(one_line_error(
      run_cli(eval_args({"--data", (dir / "x.npy").string(), "--labels", make_fifo(dir, "y.npy").string()}),
              0, kTimeout),
      {"y.npy: is a FIFO"}));
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--data", make_fifo(dir, "in.npy").string()}), 0, kTimeout),
                             {"in.npy: is a FIFO"}));
}

TEST(HostileInput, AFifoInAnImageFolderFailsOrIsSkippedWithoutBlocking) {
  TempDir dir;
  copy_image("cat", 0, dir / "imgs" / "cat" / "a.jpg");
  copy_image("dog", 0, dir / "imgs" / "dog" / "b.jpg");
  (void)make_fifo(dir, "imgs/dog/pipe.jpg");
  EXPECT_TRUE(one_line_error(run_cli(eval_args({"--data", (dir / "imgs").string()}), 0, kTimeout),
                             {"pipe.jpg", "not a regular file (a FIFO)", "--bad-images skip"}));
  const auto r = run_cli(eval_args({"--data", (dir / "imgs").string(), "--bad-images", "skip"}), 0, kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: image skipped: " + (dir / "imgs/dog/pipe.jpg").string() + ": is a FIFO"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("2 images (1 unusable images skipped)"), std::string::npos) << r.out;
}

TEST(HostileInput, PathsThatAreNotUtf8RunAndAreRecordedEscaped) {
  TempDir dir;
  const fs::path data = dir / "data\xFF";
  for (int i = 0; i < 2; ++i) {
    copy_image("cat", i, data / "cat" / ("c" + std::to_string(i) + ".jpg"));
    copy_image("dog", i, data / "dog" / ("d" + std::to_string(i) + ".jpg"));
  }
  const auto results = dir / "r.jsonl";
  const auto r = run_cli(small_campaign({"--data", data.string(), "--results", results.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(read_file(results));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(nlohmann::json::parse(lines[0])["data"], "folder:data\\xFF");
  // The records read back: the run resumes them, and report reads them.
  const auto again = run_cli(small_campaign({"--data", data.string(), "--results", results.string()}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(lines_of(read_file(results)), lines);
  EXPECT_EQ(run_cli({"report", results.string(), "--out", (dir / "report").string()}).exit_code, 0);

  // model-init on a model whose file name is not UTF-8 writes a sidecar that finds it again.
  const fs::path onnx = dir / "m\xFE.onnx";
  fs::copy_file(models_dir() / "resnet20.onnx", onnx);
  const auto init = run_cli({"model-init", onnx.string(), "--preset", "cifar", "--data",
                             "cifar10-lossless200", "--out", (dir / "m.json").string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const auto sidecar = nlohmann::json::parse(read_file(dir / "m.json"));
  EXPECT_EQ(sidecar["onnx"], "m\\xFE.onnx");
  const auto eval = run_cli(
      {"eval", "--model", (dir / "m.json").string(), "--assets", assets_dir().string(), "--limit", "10"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
}

TEST(HostileInput, ASingleClassFolderGetsANote) {
  TempDir dir;
  copy_image("cat", 0, dir / "imgs" / "cat" / "a.jpg");
  const auto r = run_cli(eval_args({"--data", (dir / "imgs").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: " + (dir / "imgs").string() + " has a single class folder"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace flipguard::robustness
