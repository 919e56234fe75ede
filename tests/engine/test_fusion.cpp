// Conv fusion as the engine builds it from the fusion pass's nodes: a residual Add and an activation become
// post-ops of the Conv, and a residual whose shape differs from the Conv's output (a broadcasting Add, which
// a sum post-op cannot take) still computes exactly what the unfused operators compute.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/executor.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::Node;

using flipguard::testing::node;

// x [N,2,4,4] -> nodes -> y, with a 1x1 convolution's weight "w" and bias "b".
Graph graph_of(std::vector<Node> nodes) {
  Graph g;
  g.source = "fusion.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 2, 4, 4}}};
  g.outputs = {{"y", {}}};
  g.constants["w"] = Constant{{2, 2, 1, 1}, {1.f, 2.f, -1.f, 0.5f}, {}};
  g.constants["b"] = Constant{{2}, {0.5f, -1.f}, {}};
  g.nodes = std::move(nodes);
  return g;
}

std::vector<float> input(size_t count) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d;
  std::vector<float> x(count);
  for (auto& v : x) v = d(rng);
  return x;
}

std::vector<float> run(Executor& ex, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  ex.run(x.data(), ex.batch(), y.data());
  return y;
}

// The 1x1 convolution of graph_of at element (n, o, p) of [N, 2, 16 pixels].
float conv_at(const std::vector<float>& x, size_t n, size_t o, size_t p) {
  const float w[2][2] = {{1.f, 2.f}, {-1.f, 0.5f}}, b[2] = {0.5f, -1.f};
  return w[o][0] * x[(n * 2 + 0) * 16 + p] + w[o][1] * x[(n * 2 + 1) * 16 + p] + b[o];
}

TEST(ConvFusion, ResidualAndActivationBecomePostOps) {
  const auto g = graph_of({node("Relu", {"x"}, "r"), node("Conv", {"r", "w", "b"}, "c"),
                           node("Add", {"c", "r"}, "s"), node("Relu", {"s"}, "y")});
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(g, opt);
  EXPECT_NE(ex.summary().find("Conv c_node + sum + Relu [2,2,4,4]"), std::string::npos) << ex.summary();
  EXPECT_EQ(ex.graph().nodes.size(), 4u) << "graph() keeps the ONNX operators";
  const auto x = input(2 * 32);
  const auto y = run(ex, x);
  std::vector<float> r(x.size());
  std::transform(x.begin(), x.end(), r.begin(), [](float v) { return std::max(v, 0.f); });
  for (size_t n = 0; n < 2; ++n)
    for (size_t o = 0; o < 2; ++o)
      for (size_t p = 0; p < 16; ++p) {
        const float want = std::max(conv_at(r, n, o, p) + r[(n * 2 + o) * 16 + p], 0.f);
        EXPECT_NEAR(y[(n * 2 + o) * 16 + p], want, 1e-5f) << n << " " << o << " " << p;
      }
}

TEST(ConvFusion, BroadcastResidualComputesWhatTheUnfusedOperatorsCompute) {
  // The pooled addend [N,2,1,1] is computed before the Conv, so the pass fuses the Add; its shape is not the
  // Conv's output shape.
  const auto fused = graph_of({node("GlobalAveragePool", {"x"}, "p"), node("Conv", {"x", "w", "b"}, "c"),
                               node("Add", {"c", "p"}, "s"), node("Relu", {"s"}, "y")});
  // Computed after the Conv, the addend is not fused.
  const auto unfused = graph_of({node("Conv", {"x", "w", "b"}, "c"), node("GlobalAveragePool", {"x"}, "p"),
                                 node("Add", {"c", "p"}, "s"), node("Relu", {"s"}, "y")});
  ExecutorOptions opt;
  opt.batch = 3;
  Executor a(fused, opt), b(unfused, opt);
  EXPECT_EQ(a.summary().find("+ sum"), std::string::npos) << a.summary();
  const auto x = input(3 * 32);
  const auto ya = run(a, x), yb = run(b, x);
  EXPECT_EQ(ya, yb);
  for (size_t n = 0; n < 3; ++n)
    for (size_t o = 0; o < 2; ++o) {
      float mean = 0;
      for (size_t p = 0; p < 16; ++p) mean += x[(n * 2 + o) * 16 + p] / 16;
      for (size_t p = 0; p < 16; ++p)
        EXPECT_NEAR(ya[(n * 2 + o) * 16 + p], std::max(conv_at(x, n, o, p) + mean, 0.f), 1e-5f);
    }
}

TEST(BatchNormFusion, AnUnfoldedBatchNormTakesItsReluAndComputesBoth) {
  // DenseNet's pre-activation: BatchNorm -> Relu -> Conv; the BatchNorm reads the input, so it stays
  // unfolded.
  auto g = graph_of({node("BatchNormalization", {"x", "gamma", "beta", "mean", "var"}, "n"),
                     node("Relu", {"n"}, "r"), node("Conv", {"r", "w", "b"}, "y")});
  g.constants["gamma"] = Constant{{2}, {1.5f, -0.5f}, {}};
  g.constants["beta"] = Constant{{2}, {0.25f, 0.1f}, {}};
  g.constants["mean"] = Constant{{2}, {0.2f, -0.3f}, {}};
  g.constants["var"] = Constant{{2}, {0.8f, 1.7f}, {}};
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(g, opt);
  EXPECT_NE(ex.summary().find("BatchNormalization n_node + Relu"), std::string::npos) << ex.summary();
  EXPECT_EQ(ex.summary().find("Relu r_node"), std::string::npos) << ex.summary();
  const auto x = input(2 * 32);
  const auto y = run(ex, x);
  const float gamma[2] = {1.5f, -0.5f}, beta[2] = {0.25f, 0.1f}, mean[2] = {0.2f, -0.3f},
              var[2] = {0.8f, 1.7f};
  std::vector<float> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = (i / 16) % 2;
    r[i] = std::max((x[i] - mean[c]) / std::sqrt(var[c] + 1e-5f) * gamma[c] + beta[c], 0.f);
  }
  for (size_t n = 0; n < 2; ++n)
    for (size_t o = 0; o < 2; ++o)
      for (size_t p = 0; p < 16; ++p)
        EXPECT_NEAR(y[(n * 2 + o) * 16 + p], conv_at(r, n, o, p), 1e-5f) << n << " " << o << " " << p;
}

TEST(BatchNormFusion, OtherActivationsAndSharedOutputsStaySeparate) {
  auto with = [](std::vector<Node> nodes) {
    auto g = graph_of(std::move(nodes));
    for (const char* c : {"gamma", "beta", "mean", "var"}) g.constants[c] = Constant{{2}, {1.f, 1.f}, {}};
    return g;
  };
  ExecutorOptions opt;
  opt.batch = 1;
  Executor leaky(with({node("BatchNormalization", {"x", "gamma", "beta", "mean", "var"}, "n"),
                       node("LeakyRelu", {"n"}, "y")}),
                 opt);
  EXPECT_EQ(leaky.summary().find("+ Relu"), std::string::npos) << leaky.summary();
  // The BatchNorm's output is read twice: fusing the Relu would hand the Add rectified values.
  Executor shared(with({node("BatchNormalization", {"x", "gamma", "beta", "mean", "var"}, "n"),
                        node("Relu", {"n"}, "r"), node("Add", {"r", "n"}, "y")}),
                  opt);
  EXPECT_EQ(shared.summary().find("BatchNormalization n_node + Relu"), std::string::npos) << shared.summary();
  const auto x = input(32);
  const auto y = run(shared, x);
  for (size_t i = 0; i < x.size(); ++i) {
    const float n = (x[i] - 1.f) / std::sqrt(1.f + 1e-5f) + 1.f;  // every statistic is 1
    EXPECT_NEAR(y[i], std::max(n, 0.f) + n, 1e-5f) << i;
  }
}

}  // namespace

namespace {

// x [N, 4, 6] -> a = Relu(x) -> nodes -> y, with a Linear's weight "m" [6, 6] and bias "mb".
Graph linear_graph(std::vector<Node> nodes) {
  Graph g;
  g.source = "linear_fusion.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 4, 6}}};
  g.outputs = {{"y", {}}};
  std::mt19937 rng(11);
  std::normal_distribution<float> d(0.f, 0.5f);
  std::vector<float> m(36), mb(6);
  for (auto& v : m) v = d(rng);
  for (auto& v : mb) v = d(rng);
  g.constants["m"] = Constant{{6, 6}, m, {}};
  g.constants["mb"] = Constant{{6}, mb, {}};
  g.constants["three"] = Constant{{}, {3.f}, {}};
  g.constants["axes0"] = Constant{{1}, {}, {0}, true};
  nodes.insert(nodes.begin(), node("Relu", {"x"}, "a"));
  g.nodes = std::move(nodes);
  return g;
}

// The fused executor against one with every value kept apart (no fusion at all).
void expect_fused_equals_unfused(const Graph& g, const std::string& fused_text) {
  ExecutorOptions fused, unfused;
  fused.batch = unfused.batch = 3;
  unfused.unfused = "all";
  Executor f(g, fused), u(g, unfused);
  EXPECT_NE(f.summary().find(fused_text), std::string::npos) << f.summary();
  EXPECT_EQ(u.summary().find(fused_text), std::string::npos) << u.summary();
  const auto x = input(3 * 4 * 6);
  const auto got = run(f, x), want = run(u, x);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5f * (1 + std::fabs(want[i]))) << i;
}

TEST(MatMulFusion, ResidualInItsOwnBufferOrACopyAndActivation) {
  // The residual a is read by nothing after: the sum lands in a's buffer.
  expect_fused_equals_unfused(linear_graph({node("MatMul", {"a", "m"}, "p"), node("Add", {"p", "mb"}, "pb"),
                                            node("Add", {"pb", "a"}, "s"), node("Relu", {"s"}, "y")}),
                              "+ bias + sum + Relu");
  // a is read again after: it is copied into the output first.
  expect_fused_equals_unfused(linear_graph({node("MatMul", {"a", "m"}, "p"), node("Add", {"p", "mb"}, "pb"),
                                            node("Add", {"a", "pb"}, "s"), node("Mul", {"s", "a"}, "y")}),
                              "copy addend a");
}

TEST(MatMulFusion, BroadcastResidualComputesWhatTheUnfusedOperatorsCompute) {
  Node mean = node("ReduceMean", {"a"}, "r");
  mean.attributes["axes"] = std::vector<std::int64_t>{0};
  expect_fused_equals_unfused(
      linear_graph({mean, node("MatMul", {"a", "m"}, "p"), node("Add", {"p", "mb"}, "pb"),
                    node("Add", {"pb", "r"}, "s"), node("Relu", {"s"}, "y")}),
      "residual (broadcast)");
}

TEST(MatMulFusion, AttentionScoresTakeTheirScale) {
  Node t = node("Transpose", {"a"}, "at");
  t.attributes["perm"] = std::vector<std::int64_t>{0, 2, 1};
  expect_fused_equals_unfused(
      linear_graph({t, node("MatMul", {"a", "at"}, "p"), node("Div", {"p", "three"}, "y")}), "/ 3.0");
  expect_fused_equals_unfused(
      linear_graph({t, node("MatMul", {"a", "at"}, "p"), node("Mul", {"three", "p"}, "y")}), "* 3.0");
}

}  // namespace
