// Outputs that must not destroy anything, and command lines that must not mean something silently: an
// output path that is one of the run's inputs, a symbolic link, a FIFO nobody reads or standard output; a
// trial number without faults; a model output that is not one vector of class scores; a model exported for
// any image size; a clean model whose outputs are NaN.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "onnx_files.hpp"
#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace fs = std::filesystem;
namespace {

// N images of 3x32x32 float32 as the .npy file DIR/NAME.
std::string write_inputs(const TempDir& dir, const std::string& name, int n) {
  write_file(dir / name, npy_inputs(n));
  return (dir / name).string();
}

std::vector<std::string> run_args(const std::string& model, const std::string& data, const std::string& out) {
  return {"run", "--model", model, "--data", data, "--out", out};
}

TEST(OutputPaths, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  const std::string before = read_file(data);
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, data)), {"x.npy", "input", "destroy"}));
  EXPECT_EQ(read_file(data), before);
  // The same file under another name (a hard link) is still the input.
  fs::create_hard_link(data, dir / "alias.npy");
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, (dir / "alias.npy").string())), {"alias.npy"}));
  EXPECT_EQ(read_file(data), before);
  // model-init writing its sidecar over the model it reads.
  const std::string onnx = (dir / "tiny.onnx").string();
  const std::string model_bytes = read_file(onnx);
  EXPECT_TRUE(one_line_error(run_cli({"model-init", onnx, "--preset", "cifar", "--out", onnx}),
                             {"tiny.onnx", "destroy"}));
  EXPECT_EQ(read_file(onnx), model_bytes);
  // Nor over the sidecar a run reads.
  const std::string sidecar = read_file(model);
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, model)), {"tiny.json"}));
  EXPECT_EQ(read_file(model), sidecar);
}

TEST(OutputPaths, ALinkIsWrittenThroughAndStaysALink) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  fs::create_directories(dir / "real");
  fs::create_symlink(dir / "real" / "logits.npy", dir / "link.npy");  // dangling until written
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, (dir / "link.npy").string())),
                             {"link.npy", "symbolic link", "does not exist"}));
  write_file(dir / "real" / "logits.npy", "old");
  const auto r = run_cli(run_args(model, data, (dir / "link.npy").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir / "link.npy"));
  EXPECT_EQ(read_file(dir / "real" / "logits.npy").substr(0, 6), "\x93NUMPY");
  EXPECT_FALSE(temporary_left_beside(dir / "real" / "logits.npy"));
}

TEST(OutputPaths, AMissingFolderIsNamedBeforeTheRun) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, (dir / "no" / "o.npy").string())),
                             {"o.npy", "folder", "does not exist"}));
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, dir.path().string())), {"is a folder"}));
}

TEST(OutputPaths, StandardOutputCarriesTheDataAndTheSummaryGoesToStandardError) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  fs::create_symlink("/proc/self/fd/1", dir / "out.npy");
  const auto r = run_cli(run_args(model, data, (dir / "out.npy").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(r.out.size(), 128u + 4 * 10 * sizeof(float));  // header and the logits only
  EXPECT_NE(r.err.find("logits"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir / "out.npy"));
}

TEST(OutputPaths, AFifoNobodyReadsIsAnErrorNotAHang) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0644), 0);
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, data, (dir / "pipe").string()), 0, 60),
                             {"pipe", "FIFO", "no process is reading"}));
}

TEST(OutputPaths, ATrialNumberWithoutFaultsIsAUsageError) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  const auto data = write_inputs(dir, "x.npy", 4);
  auto args = run_args(model, data, (dir / "o.npy").string());
  args.insert(args.end(), {"--trial", "4"});
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--trial"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ber"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o.npy"));
}

TEST(OutputPaths, AnOutputThatIsNotOneVectorOfClassScoresIsRefused) {
  TempDir dir;
  onnx::ModelProto m = tiny_classifier();
  auto* g = m.mutable_graph();
  g->mutable_node(2)->set_output(0, "flat_logits");
  onnx::TensorProto shape;
  shape.set_name("shape");
  shape.set_data_type(onnx::TensorProto::INT64);
  shape.add_dims(3);
  for (std::int64_t d : {1, 2, 5}) shape.add_int64_data(d);
  *g->add_initializer() = shape;
  add_node(g, "Reshape", {"flat_logits", "shape"}, {"logits"});
  g->clear_output();
  set_value_info(g->add_output(), "logits", {1, 2, 5});
  const auto model = write_model(dir, "wide", m);
  const auto data = write_inputs(dir, "x.npy", 4);
  for (const char* cmd : {"run", "eval"}) {
    auto args = run_args(model, data, (dir / "o.npy").string());
    args[0] = cmd;
    if (std::string(cmd) == "eval") args.resize(5);
    EXPECT_TRUE(one_line_error(run_cli(args), {"wide.onnx", "[1,2,5]", "[batch, classes]"})) << cmd;
  }
}

// input [N,3,H,W] with symbolic N, H and W: a model exported for any image size.
onnx::ModelProto any_size_classifier() {
  onnx::ModelProto m = tiny_classifier();
  auto* shape = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(0)->set_dim_param("n");
  shape->mutable_dim(2)->set_dim_param("h");
  shape->mutable_dim(3)->set_dim_param("w");
  return m;
}

TEST(OutputPaths, AModelForAnyImageSizeRunsAtTheSizeGiven) {
  TempDir dir;
  const std::string onnx = (dir / "any.onnx").string();
  write_file(onnx, any_size_classifier().SerializeAsString());
  const auto data = write_inputs(dir, "x.npy", 4);
  // Without a size: an error that says how to give one.
  EXPECT_TRUE(
      one_line_error(run_cli(run_args(onnx, data, (dir / "o.npy").string())), {"any.onnx", "--crop"}));
  auto args = run_args(onnx, data, (dir / "o.npy").string());
  args.insert(args.end(), {"--crop", "32x32"});
  auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string logits = read_file(dir / "o.npy");
  // The sidecar model-init writes for that size runs the same in eval and run.
  r = run_cli({"model-init", onnx, "--preset", "none", "--crop", "32", "--out", (dir / "any.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"eval", "--model", (dir / "any.json").string(), "--data", data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 images"), std::string::npos) << r.out;
  r = run_cli(run_args((dir / "any.json").string(), data, (dir / "o2.npy").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "o2.npy"), logits);
  r = run_cli({"inspect-model", (dir / "any.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("30 weights"), std::string::npos) << r.out;
}

TEST(OutputPaths, EvalCountsNonFiniteOutputsAsRunDoes) {
  TempDir dir;
  onnx::ModelProto m = tiny_classifier();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  std::vector<float> nan_w(30, std::numeric_limits<float>::quiet_NaN());
  *w = float_tensor("W", {10, 3}, nan_w);
  const auto model = write_model(dir, "nan", m);
  const auto data = write_inputs(dir, "x.npy", 4);
  const auto r = run_cli({"eval", "--model", model, "--data", data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("non-finite 4 of 4 images"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace flipguard::robustness
