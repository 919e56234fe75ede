// Bad model files through `flipguard eval` (and inspect-model): each must fail with one error line naming
// the file and the problem, and never crash or allocate what a declared shape claims before checking it fits.
#include <gtest/gtest.h>

#include "onnx_files.hpp"
#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace {

CliResult eval(const std::string& sidecar, long ulimit_kib = 0) {
  return run_cli({"eval", "--model", sidecar, "--limit", "20", "--assets", assets_dir().string()},
                 ulimit_kib);
}

// The model file alone (no sidecar, so no preprocessing): inspect-model builds the executor at batch 1.
CliResult inspect(const std::string& onnx, long ulimit_kib = 0) {
  return run_cli({"inspect-model", onnx}, ulimit_kib);
}

// An address-space cap far below what the huge shapes below would need, yet enough to run the CLI itself.
constexpr long kLowUlimitKib = 3L << 20;  // 3 GiB

TEST(BadModels, TheTinyBaseModelRuns) {
  // The variants below differ from this model in one defect each, so their errors are that defect's.
  TempDir dir;
  const auto r = eval(write_model(dir, "tiny", tiny_classifier()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("20 images"), std::string::npos) << r.out;
}

TEST(BadModels, TruncatedOnnxIsNamed) {
  TempDir dir;
  const std::string real = read_file(models_dir() / "resnet20.onnx");
  ASSERT_GT(real.size(), 100000u);
  const auto sidecar = write_model(dir, "cut", real.substr(0, real.size() / 2));
  EXPECT_TRUE(one_line_error(eval(sidecar), {"cut.onnx", "not a valid ONNX model"}));
  const auto empty = write_model(dir, "empty", std::string());
  EXPECT_TRUE(one_line_error(eval(empty), {"empty.onnx", "file is empty"}));
}

TEST(BadModels, CorruptOnnxIsNamed) {
  TempDir dir;
  std::string bytes = read_file(models_dir() / "resnet20.onnx");
  for (std::size_t i = 0; i < 64; ++i)
    bytes[i] = static_cast<char>(0xff);  // the header fields become garbage
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "garbled", bytes)), {"garbled.onnx", "not a valid ONNX"}));
  // Well-formed protobuf, but the weight holds fewer bytes than its shape declares.
  auto m = tiny_classifier();
  m.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(40);
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "short", m)),
                             {"short.onnx", "tensor 'W'", "raw_data has 40 bytes, expected 30 x 4"}));
}

TEST(BadModels, CycleIsNamedAsACycle) {
  TempDir dir;
  auto m = tiny_classifier();
  auto* g = m.mutable_graph();
  // pooled -> Add(pooled, loop_b) -> loop_a -> Relu -> loop_b: the Add waits on its own output.
  add_node(g, "Add", {"pooled", "loop_b"}, {"loop_a"});
  add_node(g, "Relu", {"loop_a"}, {"loop_b"});
  g->mutable_node(1)->set_input(0, "loop_b");  // Flatten now reads the loop
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "cycle", m)), {"cycle.onnx", "the graph has a cycle"}));
}

TEST(BadModels, DanglingInputIsNamed) {
  TempDir dir;
  auto m = tiny_classifier();
  m.mutable_graph()->mutable_node(1)->set_input(0, "nobody_makes_this");
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "dangling", m)),
                             {"dangling.onnx", "(Flatten) reads 'nobody_makes_this', which no node"}));
}

TEST(BadModels, UnsupportedOperatorIsNamed) {
  TempDir dir;
  auto m = tiny_classifier();
  m.mutable_graph()->mutable_node(0)->set_op_type("LpPool");
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "lppool", m)),
                             {"lppool.onnx", "not supported", "LpPool at node 'GlobalAveragePool_1'"}));
}

TEST(BadModels, HugeInitializerFailsBeforeAllocating) {
  TempDir dir;
  // 1e12 declared elements, 30 present: refused from the data actually in the file.
  auto m = tiny_classifier();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, 1000000);
  w->set_dims(1, 1000000);
  const auto sidecar = write_model(dir, "huge_w", m);
  EXPECT_TRUE(one_line_error(eval(sidecar, kLowUlimitKib),
                             {"huge_w.onnx", "tensor 'W'", "expected 1000000000000 x 4"}));
  // Dimensions whose product overflows int64 (2^62 * 8): must not wrap around to a small count.
  w->set_dims(0, std::int64_t{1} << 62);
  w->set_dims(1, 8);
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "wrap_w", m), kLowUlimitKib),
                             {"wrap_w.onnx", "tensor 'W'", "overflows int64"}));
  // Float data given as repeated fields instead of raw bytes: same check.
  auto f = tiny_classifier();
  auto* fw = f.mutable_graph()->mutable_initializer(0);
  fw->clear_raw_data();
  fw->add_float_data(1.0f);
  fw->set_dims(0, 1000000);
  fw->set_dims(1, 1000000);
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "huge_f", f), kLowUlimitKib),
                             {"huge_f.onnx", "tensor 'W' holds 1 values for shape [1000000,1000000]"}));
}

TEST(BadModels, HugeInputShapeFailsBeforeAllocating) {
  TempDir dir;
  auto m = tiny_classifier();
  auto* dims = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(2)->set_dim_value(1000000);
  dims->mutable_dim(3)->set_dim_value(1000000);  // 3e12 floats per image, at the model's fixed batch of 1
  // The sidecar (3x32x32) disagrees with the graph: refused before anything is built.
  EXPECT_TRUE(one_line_error(eval(write_model(dir, "huge_in", m), kLowUlimitKib),
                             {"huge_in.json: field 'input.height' says 32", "huge_in.onnx"}));
  // The executor itself checks the shape before allocating.
  EXPECT_TRUE(
      one_line_error(inspect((dir / "huge_in.onnx").string(), kLowUlimitKib),
                     {"huge_in.onnx", "input [1,3,1000000,1000000] at batch 1 needs", "GiB, more than"}));
  dims->mutable_dim(2)->set_dim_value(std::int64_t{1} << 40);
  dims->mutable_dim(3)->set_dim_value(std::int64_t{1} << 40);
  write_model(dir, "wrap_in", m);
  EXPECT_TRUE(one_line_error(inspect((dir / "wrap_in.onnx").string(), kLowUlimitKib),
                             {"wrap_in.onnx", "at batch 1:", "overflows int64"}));
  // Without the cap too (physical memory is the limit then): still an error, not an attempt.
  EXPECT_TRUE(one_line_error(inspect((dir / "wrap_in.onnx").string()), {"wrap_in.onnx", "at batch 1:"}));
}

TEST(BadModels, ModelAndSidecarThatDisagreeAreRefused) {
  TempDir dir;
  auto small = tiny_classifier();  // takes 3x16x16 at its fixed batch of 1, the sidecar says 3x32x32
  auto* dims =
      small.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(2)->set_dim_value(16);
  dims->mutable_dim(3)->set_dim_value(16);
  const auto small_sidecar = write_model(dir, "small_in", small);
  // The sidecar's claims are checked against the file when the model is opened, by every command.
  const std::vector<std::string> small_error{"small_in.json: field 'input.height' says 32",
                                             "small_in.onnx has input 'input' of shape [1,3,16,16]"};
  EXPECT_TRUE(one_line_error(eval(small_sidecar), small_error));
  const std::vector<std::string> campaign{"campaign",
                                          "--model",
                                          small_sidecar,
                                          "--assets",
                                          assets_dir().string(),
                                          "--formats",
                                          "fp16",
                                          "--protections",
                                          "none",
                                          "--bers",
                                          "1e-3",
                                          "--trials",
                                          "1",
                                          "--images",
                                          "10",
                                          "--results",
                                          (dir / "r.jsonl").string()};
  EXPECT_TRUE(one_line_error(run_cli(campaign), small_error));
  // 5 logits for the 10 CIFAR classes.
  auto few = tiny_classifier();
  auto* w = few.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, 5);
  w->mutable_raw_data()->resize(5 * 3 * 4);
  auto* b = few.mutable_graph()->mutable_initializer(1);
  b->set_dims(0, 5);
  b->mutable_raw_data()->resize(5 * 4);
  few.mutable_graph()
      ->mutable_output(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(5);
  auto few_campaign = campaign;
  few_campaign[2] = write_model(dir, "five", few);
  EXPECT_TRUE(one_line_error(run_cli(few_campaign), {"five.json: field 'output.classes' says 10", "five.onnx",
                                                     "5 values per image"}));
}

TEST(BadModels, ImplausibleSidecarInputIsRefused) {
  TempDir dir;
  const auto sidecar_path = write_model(dir, "tall", tiny_classifier());
  auto sidecar = nlohmann::json::parse(read_file(sidecar_path));
  sidecar["input"]["height"] = 100000000;
  write_file(sidecar_path, sidecar.dump());
  EXPECT_TRUE(one_line_error(eval(sidecar_path), {"tall.json", "input.height", "out of range"}));
  // The largest accepted size, in a graph that declares it too: 20 preloaded images of 3 x 2^24 x 2^24
  // floats cannot be allocated.
  auto tall = tiny_classifier();
  auto* dims = tall.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(2)->set_dim_value(16777216);
  dims->mutable_dim(3)->set_dim_value(16777216);
  write_file(dir / "tall.onnx", tall.SerializeAsString());
  sidecar["input"]["height"] = 16777216;
  sidecar["input"]["width"] = 16777216;
  write_file(sidecar_path, sidecar.dump());
  EXPECT_TRUE(one_line_error(eval(sidecar_path, kLowUlimitKib),
                             {"out of memory preloading 20 images of 3x16777216x16777216 floats"}));
}

}  // namespace
}  // namespace flipguard::robustness
