// Transpose, Split parts and Reshapes of them are strided views (no copy, no layer); batched MatMuls read
// them in place and write a result that a Transpose alone reads in its order. Checked on an attention
// block against a direct computation, with views that other operators read too (they get row-major
// copies), a transpose of a transposed view, and a tensor read by two kernels that stays one stored weight.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/executor.hpp"
#include "engine/ops/strided_views.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::engine::ops::reshaped_strides;
using flipguard::model::Constant;
using flipguard::model::Dims;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;
using flipguard::testing::normal;

TEST(ReshapedStrides, MergesAndSplitsContiguousRunsOnly) {
  EXPECT_EQ(reshaped_strides({2, 3, 4}, {12, 4, 1}, {6, 4}), (Dims{4, 1}));
  // A Split part of [2, 3, 12]: rows 12 apart, dims 0 and 1 one run of 6 rows.
  EXPECT_EQ(reshaped_strides({2, 3, 4}, {36, 12, 1}, {2, 3, 2, 2}), (Dims{36, 12, 2, 1}));
  EXPECT_EQ(reshaped_strides({2, 3, 4}, {36, 12, 1}, {6, 4}), (Dims{12, 1}));
  EXPECT_EQ(reshaped_strides({2, 3, 4}, {36, 12, 1}, {2, 12}), std::nullopt) << "rows are not adjacent";
  // A transposed [3, 2] is not one run.
  EXPECT_EQ(reshaped_strides({3, 2}, {1, 3}, {6}), std::nullopt);
  EXPECT_EQ(reshaped_strides({3, 2}, {1, 3}, {3, 1, 2}), (Dims{1, 6, 3}));
  // Dims of 1 take any stride, in and out.
  EXPECT_EQ(reshaped_strides({1, 4}, {999, 1}, {4, 1}), (Dims{1, 1}));
  EXPECT_EQ(reshaped_strides({1}, {7}, {1, 1}), (Dims{1, 1}));
  EXPECT_EQ(reshaped_strides({4}, {2}, {2, 3}), std::nullopt) << "another element count";
}

constexpr std::int64_t kT = 5, kHeads = 3, kD = 4, kC = kHeads * kD;

Node with_ints(Node n, const char* attr, std::vector<std::int64_t> v) {
  n.attributes[attr] = std::move(v);
  return n;
}

// x [N, T, C] -> qkv = x W -> Split -> q, k, v [N, T, C] -> [N, T, heads, d] -> attention (scores / 2,
// softmax) -> [N, T, C], plus the q view transposed back and Relu(k transposed) put back in [N, T, C].
Graph attention() {
  Graph g;
  g.source = "attention.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, kT, kC}}};
  g.outputs = {{"y", {}}};
  g.constants["w"] = Constant{{kC, 3 * kC}, normal(kC * 3 * kC, 1, 0.5f), {}};
  g.constants["split"] = Constant{{3}, {}, {kC, kC, kC}, true};
  g.constants["heads"] = Constant{{4}, {}, {0, kT, kHeads, kD}, true};
  g.constants["flat"] = Constant{{3}, {}, {0, kT, kC}, true};
  g.constants["two"] = Constant{{}, {2.f}, {}};
  Node split = node("Split", {"qkv", "split"}, "q");
  split.outputs = {"q", "k", "v"};
  split.attributes["axis"] = std::int64_t{2};
  Node softmax = node("Softmax", {"scaled"}, "p");
  softmax.attributes["axis"] = std::int64_t{-1};
  g.nodes = {node("MatMul", {"x", "w"}, "qkv"),
             split,
             node("Reshape", {"q", "heads"}, "q4"),
             node("Reshape", {"k", "heads"}, "k4"),
             node("Reshape", {"v", "heads"}, "v4"),
             with_ints(node("Transpose", {"q4"}, "qt"), "perm", {0, 2, 1, 3}),
             with_ints(node("Transpose", {"k4"}, "kt"), "perm", {0, 2, 3, 1}),
             with_ints(node("Transpose", {"v4"}, "vt"), "perm", {0, 2, 1, 3}),
             node("MatMul", {"qt", "kt"}, "scores"),
             node("Div", {"scores", "two"}, "scaled"),
             softmax,
             node("MatMul", {"p", "vt"}, "heads_out"),
             with_ints(node("Transpose", {"heads_out"}, "merged4"), "perm", {0, 2, 1, 3}),
             node("Reshape", {"merged4", "flat"}, "att"),
             with_ints(node("Transpose", {"qt"}, "qback4"), "perm", {0, 2, 1, 3}),
             node("Reshape", {"qback4", "flat"}, "qback"),
             node("Relu", {"kt"}, "kr"),
             with_ints(node("Transpose", {"kr"}, "kback4"), "perm", {0, 3, 1, 2}),
             node("Reshape", {"kback4", "flat"}, "kback"),
             node("Add", {"att", "qback"}, "y0"),
             node("Add", {"y0", "kback"}, "y")};
  return g;
}

// The same, computed directly for one sequence.
std::vector<float> reference(const std::vector<float>& x, const std::vector<float>& w) {
  std::vector<float> qkv(kT * 3 * kC, 0.f);
  for (std::int64_t t = 0; t < kT; ++t)
    for (std::int64_t j = 0; j < 3 * kC; ++j)
      for (std::int64_t c = 0; c < kC; ++c) qkv[t * 3 * kC + j] += x[t * kC + c] * w[c * 3 * kC + j];
  const auto at = [&](int part, std::int64_t t, std::int64_t h, std::int64_t d) {
    return qkv[t * 3 * kC + part * kC + h * kD + d];
  };
  std::vector<float> y(kT * kC, 0.f);
  for (std::int64_t h = 0; h < kHeads; ++h)
    for (std::int64_t i = 0; i < kT; ++i) {
      std::vector<double> s(kT);
      double top = -1e300, sum = 0;
      for (std::int64_t j = 0; j < kT; ++j) {
        double dot = 0;
        for (std::int64_t d = 0; d < kD; ++d) dot += at(0, i, h, d) * at(1, j, h, d);
        s[j] = dot / 2;
        top = std::max(top, s[j]);
      }
      for (auto& v : s) sum += (v = std::exp(v - top));
      for (std::int64_t d = 0; d < kD; ++d) {
        double o = 0;
        for (std::int64_t j = 0; j < kT; ++j) o += s[j] / sum * at(2, j, h, d);
        y[i * kC + h * kD + d] = static_cast<float>(o + at(0, i, h, d) + std::max(0.f, at(1, i, h, d)));
      }
    }
  return y;
}

TEST(StridedViews, AttentionReadsQkvInPlaceAndMatchesADirectComputation) {
  ExecutorOptions opt;
  opt.batch = 2;
  opt.threads = 2;
  Executor ex(attention(), opt);
  const std::string s = ex.summary();
  EXPECT_EQ(s.find("Split"), std::string::npos) << "the parts are views\n" << s;
  EXPECT_EQ(s.find("Transpose "), std::string::npos) << "the transposes are views\n" << s;
  EXPECT_NE(s.find("(transposed)"), std::string::npos) << "heads_out is written in merged4's order\n" << s;
  EXPECT_NE(s.find("/ 2.0"), std::string::npos) << "the scale is fused\n" << s;
  EXPECT_NE(s.find("reorder kt to plain"), std::string::npos) << "Relu reads a row-major copy\n" << s;
  const auto x = normal(static_cast<size_t>(2 * kT * kC), 2);
  std::vector<float> y(static_cast<size_t>(2 * kT * kC));
  ex.run(x.data(), 2, y.data());
  const Graph g = attention();
  const auto& w = g.constants.at("w").floats;
  for (std::int64_t n = 0; n < 2; ++n) {
    const std::vector<float> xn(x.begin() + n * kT * kC, x.begin() + (n + 1) * kT * kC);
    const auto want = reference(xn, w);
    for (std::int64_t i = 0; i < kT * kC; ++i)
      EXPECT_NEAR(y[static_cast<size_t>(n * kT * kC + i)], want[static_cast<size_t>(i)], 1e-4f)
          << "sequence " << n << " element " << i;
  }
}

// x [N, 8] -> h = Relu(x W) -> y = h W: W read by two MatMuls, each with its buffer, is one stored weight.
TEST(SharedWeights, ATensorTwoKernelsReadIsOneStoredWeightWrittenInBoth) {
  const auto graph = [](float patched) {
    Graph g;
    g.source = "shared.onnx";
    g.opset = 13;
    g.inputs = {{"x", {-1, 8}}};
    g.outputs = {{"y", {}}};
    g.constants["w"] = Constant{{8, 8}, normal(64, 5), {}};
    g.constants["w"].floats[19] = patched == 0 ? g.constants["w"].floats[19] : patched;
    g.nodes = {node("MatMul", {"x", "w"}, "a"), node("Relu", {"a"}, "h"), node("MatMul", {"h", "w"}, "y")};
    return g;
  };
  ExecutorOptions opt;
  opt.batch = 3;
  Executor ex(graph(0), opt), modified(graph(2.5f), opt);
  ASSERT_EQ(ex.weights().size(), 1u);
  const auto x = normal(24, 6);
  std::vector<float> clean(24), patched(24), want(24);
  ex.run(x.data(), 3, clean.data());
  ex.weights()[0]->write(19, 2.5f);
  ex.run(x.data(), 3, patched.data());
  modified.run(x.data(), 3, want.data());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(patched[i], want[i]) << i;
  ex.weights()[0]->restore(std::vector<std::int64_t>{19});
  std::vector<float> restored(24);
  ex.run(x.data(), 3, restored.data());
  EXPECT_EQ(restored, clean);
}

}  // namespace
