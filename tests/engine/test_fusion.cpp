// Conv fusion as the engine builds it from the fusion pass's nodes: a residual Add and an activation become
// post-ops of the Conv, and a residual whose shape differs from the Conv's output (a broadcasting Add, which
// a sum post-op cannot take) still computes exactly what the unfused operators compute.
#include <gtest/gtest.h>

#include <algorithm>
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

}  // namespace
