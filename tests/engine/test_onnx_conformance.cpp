// Runs ONNX's own operator tests (Debian's libonnx-testdata) through the executor: every node test of a
// supported operator must match ONNX's expected output, or fail at load time with an error that names the
// node, for the few features deliberately left out (listed below with the reason).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

const char* kNodeTests = "/usr/include/onnx/backend/test/data/node";

// Node tests of supported operators that are expected to be rejected, and why.
const std::map<std::string, std::string> kRejected = {
    {"test_add_uint8", "integer tensors: the engine computes in fp32"},
    {"test_sub_uint8", "integer tensors"},
    {"test_mul_uint8", "integer tensors"},
    {"test_div_uint8", "integer tensors"},
    {"test_maxpool_2d_uint8", "integer tensors"},
    {"test_clip_default_int8_inbounds", "integer tensors"},
    {"test_clip_default_int8_max", "integer tensors"},
    {"test_clip_default_int8_min", "integer tensors"},
    {"test_maxpool_2d_dilations", "pooling dilations"},
    {"test_maxpool_with_argmax_2d_precomputed_pads", "the Indices output"},
    {"test_maxpool_with_argmax_2d_precomputed_strides", "the Indices output"},
    {"test_gemm_transposeA", "transA"},
    {"test_gemm_all_attributes", "transA"},
    {"test_gemm_default_matrix_bias", "a full-matrix C"},
    {"test_batchnorm_epsilon_training_mode", "training mode"},
    {"test_batchnorm_example_training_mode", "training mode"},
    {"test_dropout_default_mask", "the mask output"},
    {"test_dropout_default_mask_ratio", "the mask output"},
    {"test_identity_opt", "optional types"},
    {"test_identity_sequence", "sequence types"},
    {"test_edge_pad", "integer tensors"},
    {"test_reflect_pad", "integer tensors"},
    {"test_reshape_allowzero_reordered", "zero-sized tensors"},
    {"test_slice_start_out_of_bounds", "zero-sized tensors"},
};

const std::regex kSupported(
    "test_(abs|add|averagepool|batchnorm|clip|concat|constant_pad|conv_with|div|dropout|edge_pad|elu|exp|"
    "flatten|gemm|"
    "globalaveragepool|globalmaxpool|hardsigmoid|hardswish|identity|leakyrelu|logsoftmax|matmul_|maxpool|mul|"
    "neg|"
    "reflect_pad|relu|reshape|sigmoid|slice|softmax|sqrt|squeeze|sub|tanh|transpose|unsqueeze)($|_).*");

std::vector<std::string> node_tests() {
  std::vector<std::string> names;
  if (!fs::exists(kNodeTests)) return names;
  for (const auto& e : fs::directory_iterator(kNodeTests)) {
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, kSupported) && name.find("expanded") == std::string::npos)
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class OnnxNodeTest : public ::testing::TestWithParam<std::string> {};

// Loads the test's model, turning every graph input but the first into a constant, and runs it.
void run_node_test(const std::string& name, std::vector<float>& got, flipguard::model::Constant& expected) {
  const fs::path dir = fs::path(kNodeTests) / name;
  auto graph = flipguard::model::load_onnx((dir / "model.onnx").string());
  const fs::path data = dir / "test_data_set_0";
  std::vector<flipguard::model::Constant> inputs;
  for (size_t i = 0; fs::exists(data / ("input_" + std::to_string(i) + ".pb")); ++i)
    inputs.push_back(
        flipguard::model::load_tensor_pb((data / ("input_" + std::to_string(i) + ".pb")).string()));
  if (inputs.empty() || !inputs[0].ints.empty())
    throw std::runtime_error(name + ": input is empty or integer; the engine runs fp32 tensors");
  for (size_t i = 1; i < graph.inputs.size() && i < inputs.size(); ++i)
    graph.constants[graph.inputs[i].name] = inputs[i];
  graph.inputs.resize(1);
  graph.inputs[0].dims = inputs[0].dims;
  if (inputs[0].dims.empty()) throw std::runtime_error(name + ": scalar input");
  if (graph.outputs.size() > 1) throw std::runtime_error(name + ": several outputs");
  expected = flipguard::model::load_tensor_pb((data / "output_0.pb").string());
  ExecutorOptions opt;
  opt.batch = static_cast<int>(inputs[0].dims[0]);
  opt.fold_batchnorm = false;
  Executor ex(std::move(graph), opt);
  got.assign(static_cast<size_t>(flipguard::model::element_count(ex.output_dims())), NAN);
  ex.run(inputs[0].floats.data(), ex.batch(), got.data());
}

TEST_P(OnnxNodeTest, MatchesExpectedOutput) {
  const std::string name = GetParam();
  std::vector<float> got;
  flipguard::model::Constant expected;
  if (kRejected.count(name)) {
    try {
      run_node_test(name, got, expected);
    } catch (const std::exception& e) {
      SUCCEED() << "rejected as expected: " << e.what();
      return;
    }
    FAIL() << name << " ran, but is listed as unsupported (" << kRejected.at(name) << "): update the list";
  }
  ASSERT_NO_THROW(run_node_test(name, got, expected));
  ASSERT_EQ(got.size(), expected.floats.size()) << name;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(double(got[i]) - expected.floats[i]);
    const double tol = 1e-4 + 1e-3 * std::abs(expected.floats[i]);
    worst = std::max(worst, err / tol);
    ASSERT_LE(err, tol) << name << " element " << i << ": got " << got[i] << ", expected "
                        << expected.floats[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodeTest, ::testing::ValuesIn(node_tests()),
                         [](const auto& info) { return info.param; });

TEST(OnnxNodeTests, TestDataIsInstalled) {
  // The conformance suite must not silently shrink to nothing.
  EXPECT_GE(node_tests().size(), 150u) << "install Debian's libonnx-testdata";
}

}  // namespace
