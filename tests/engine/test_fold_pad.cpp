// A zero Pad folded into the AveragePool or Conv reading it (model/fold_pad.hpp) computes what the two
// operators compute, against per-element references; Pads that are not zero padding stay Pads and are still
// right; an all-zero Pad is no layer at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "engine/executor.hpp"
#include "model/fold_pad.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;

constexpr std::int64_t N = 2, C = 8, H = 6, W = 5;

Graph padded(const std::string& reader, std::vector<std::int64_t> pads, float value = 0.f,
             std::int64_t ceil_mode = 0) {
  Graph g;
  g.source = "fold-pad.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, C, H, W}}};
  g.outputs = {{"y", {}}};
  g.constants["pads"] = Constant{{8}, {}, pads};
  g.constants["value"] = Constant{{}, {value}, {}};
  std::vector<float> w(static_cast<size_t>(C * C * 9));
  std::mt19937 rng(3);
  std::normal_distribution<float> d;
  for (auto& v : w) v = d(rng);
  g.constants["w"] = Constant{{C, C, 3, 3}, w, {}};
  Node pad = node("Pad", {"x", "pads", "value"}, "p");
  pad.attributes["mode"] = std::string("constant");
  Node r = node(reader, {"p"}, "y");
  if (reader == "Conv") r.inputs.push_back("w");
  r.attributes["kernel_shape"] = std::vector<std::int64_t>{3, 3};
  if (reader == "AveragePool") r.attributes["ceil_mode"] = ceil_mode;
  g.nodes = {pad, r};
  return g;
}

std::vector<float> input() {
  std::mt19937 rng(5);
  std::normal_distribution<float> d;
  std::vector<float> x(static_cast<size_t>(N * C * H * W));
  for (auto& v : x) v = d(rng);
  return x;
}

// x padded spatially by {top, left, bottom, right} with `value`, at (n, c, i, j) of the padded tensor.
float padded_at(const std::vector<float>& x, const std::vector<std::int64_t>& p, float value, std::int64_t n,
                std::int64_t c, std::int64_t i, std::int64_t j) {
  i -= p[0];
  j -= p[1];
  if (i < 0 || j < 0 || i >= H || j >= W) return value;
  return x[static_cast<size_t>(((n * C + c) * H + i) * W + j)];
}

// The 3x3 stride-1 average pool (or convolution with `g`'s weight) of the padded input.
std::vector<float> reference(const Graph& g, const std::string& reader, const std::vector<float>& x,
                             const std::vector<std::int64_t>& p, float value) {
  const std::int64_t oh = H + p[0] + p[2] - 2, ow = W + p[1] + p[3] - 2;
  const auto& w = g.constants.at("w").floats;
  std::vector<float> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < C; ++o)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double acc = 0;
          for (std::int64_t di = 0; di < 3; ++di)
            for (std::int64_t dj = 0; dj < 3; ++dj) {
              if (reader == "AveragePool") {
                acc += padded_at(x, p, value, n, o, i + di, j + dj) / 9.0;
                continue;
              }
              for (std::int64_t c = 0; c < C; ++c)
                acc += w[static_cast<size_t>(((o * C + c) * 3 + di) * 3 + dj)] *
                       padded_at(x, p, value, n, c, i + di, j + dj);
            }
          y.push_back(static_cast<float>(acc));
        }
  return y;
}

void expect_computes(const std::string& reader, const std::vector<std::int64_t>& pads8, float value,
                     bool folded) {
  const Graph g = padded(reader, pads8, value);
  Graph copy = g;
  EXPECT_EQ(flipguard::model::fold_pad(copy), folded ? 1 : 0) << reader << " value " << value;
  ExecutorOptions opt;
  opt.batch = N;
  Executor ex(g, opt);
  EXPECT_EQ(ex.summary().find("Pad p_node") == std::string::npos, folded) << ex.summary();
  const auto x = input();
  std::vector<float> y(static_cast<size_t>(ex.output_size() * N));
  ex.run(x.data(), N, y.data());
  const std::vector<std::int64_t> p{pads8[2], pads8[3], pads8[6], pads8[7]};
  const auto want = reference(g, reader, x, p, value);
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], want[i], 1e-4f * (1 + std::abs(want[i]))) << reader << " element " << i;
}

TEST(FoldPad, ZeroPadBeforeAveragePoolCountsThePadsInEveryWindow) {
  expect_computes("AveragePool", {0, 0, 1, 1, 0, 0, 1, 1}, 0.f, true);
  expect_computes("AveragePool", {0, 0, 2, 0, 0, 0, 1, 3}, 0.f, true);  // asymmetric
}

TEST(FoldPad, ZeroPadBeforeConvBecomesItsPadding) {
  expect_computes("Conv", {0, 0, 1, 2, 0, 0, 1, 0}, 0.f, true);
}

TEST(FoldPad, OtherPadsStayAndStillCompute) {
  expect_computes("AveragePool", {0, 0, 1, 1, 0, 0, 1, 1}, 1.5f, false);  // not zero
  expect_computes("Conv", {0, 0, -1, 0, 0, 0, 1, 1}, 0.f, false);         // crops a row
  Graph ceil = padded("AveragePool", {0, 0, 1, 1, 0, 0, 1, 1}, 0.f, 1);
  EXPECT_EQ(flipguard::model::fold_pad(ceil), 0);
  Graph read_twice = padded("AveragePool", {0, 0, 1, 1, 0, 0, 1, 1});
  read_twice.nodes.push_back(node("Add", {"y", "y"}, "z"));
  read_twice.nodes.push_back(node("Relu", {"p"}, "q"));  // a second reader of the Pad's output
  EXPECT_EQ(flipguard::model::fold_pad(read_twice), 0);
}

TEST(FoldPad, AnAllZeroPadIsNoLayer) {
  // PyTorch exports AvgPool2d(2) behind a Pad of zeros; whatever reads it then reads the input as it is.
  Graph g = padded("AveragePool", {0, 0, 0, 0, 0, 0, 0, 0}, 0.f);
  g.nodes[1] = node("Relu", {"p"}, "y");
  ExecutorOptions opt;
  opt.batch = N;
  Executor ex(g, opt);
  EXPECT_EQ(ex.summary().find("Pad"), std::string::npos) << ex.summary();
  const auto x = input();
  std::vector<float> y(static_cast<size_t>(ex.output_size() * N));
  ex.run(x.data(), N, y.data());
  ASSERT_EQ(y.size(), x.size());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], std::max(x[i], 0.f)) << i;
}

}  // namespace
