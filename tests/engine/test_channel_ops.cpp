// Operators the engine runs in a channel-blocked layout without a oneDNN kernel for it: a per-(image,
// channel) gate multiplying a blocked activation (squeeze-and-excitation), with a channel count that is not a
// multiple of the block so the padded channels are exercised, and SiLU (x * sigmoid(x)) fused into the Conv
// before it. Both must compute what the operators compute written out in plain C++.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/executor.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::testing::node;
using flipguard::testing::normal;

constexpr size_t kN = 2, kC = 20, kP = 25;  // images, channels, pixels (5x5)

// x [N,20,5,5] -> 1x1 Conv "w" (20 -> 20) -> c -> nodes -> y.
Graph graph_of(std::vector<Node> nodes) {
  Graph g;
  g.source = "channels.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, static_cast<std::int64_t>(kC), 5, 5}}};
  g.outputs = {{"y", {}}};
  g.constants["w"] = Constant{{20, 20, 1, 1}, normal(kC * kC, 3), {}};
  g.nodes = {node("Conv", {"x", "w"}, "c")};
  for (auto& n : nodes) g.nodes.push_back(std::move(n));
  return g;
}

// The convolution c at (n, o, p).
std::vector<float> conv(const std::vector<float>& x) {
  const auto w = normal(kC * kC, 3);
  std::vector<float> c(kN * kC * kP, 0.f);
  for (size_t n = 0; n < kN; ++n)
    for (size_t o = 0; o < kC; ++o)
      for (size_t i = 0; i < kC; ++i)
        for (size_t p = 0; p < kP; ++p) c[(n * kC + o) * kP + p] += w[o * kC + i] * x[(n * kC + i) * kP + p];
  return c;
}

std::vector<float> run(Executor& ex, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  ex.run(x.data(), ex.batch(), y.data());
  return y;
}

ExecutorOptions options() {
  ExecutorOptions opt;
  opt.batch = static_cast<int>(kN);
  return opt;
}

float sigmoid(float v) {
  return 1.f / (1.f + std::exp(-v));
}

TEST(ChannelOps, SqueezeExcitationGateOnABlockedActivation) {
  // y = c * sigmoid(mean over pixels of c), per image and channel.
  Executor ex(graph_of({node("GlobalAveragePool", {"c"}, "p"), node("Sigmoid", {"p"}, "g"),
                        node("Mul", {"c", "g"}, "y")}),
              options());
  EXPECT_NE(ex.summary().find("(per channel)"), std::string::npos)
      << "the gate did not take the blocked-layout path:\n"
      << ex.summary();
  const auto x = normal(kN * kC * kP, 5);
  const auto c = conv(x);
  const auto y = run(ex, x);
  for (size_t n = 0; n < kN; ++n)
    for (size_t o = 0; o < kC; ++o) {
      float mean = 0;
      for (size_t p = 0; p < kP; ++p) mean += c[(n * kC + o) * kP + p] / kP;
      for (size_t p = 0; p < kP; ++p) {
        const size_t i = (n * kC + o) * kP + p;
        ASSERT_NEAR(y[i], c[i] * sigmoid(mean), 1e-4f * (1 + std::abs(c[i]))) << n << "," << o << "," << p;
      }
    }
}

TEST(ChannelOps, GatedActivationFeedsAnotherConvWithPaddedChannelsZero) {
  // A second Conv reads the gated blocked tensor; garbage in its padded channels would reach every output.
  auto g = graph_of({node("GlobalAveragePool", {"c"}, "p"), node("Sigmoid", {"p"}, "g"),
                     node("Div", {"c", "g"}, "d"), node("Conv", {"d", "w"}, "y")});
  Executor ex(g, options());
  const auto x = normal(kN * kC * kP, 6);
  const auto c = conv(x);
  std::vector<float> d(c.size());
  for (size_t n = 0; n < kN; ++n)
    for (size_t o = 0; o < kC; ++o) {
      float mean = 0;
      for (size_t p = 0; p < kP; ++p) mean += c[(n * kC + o) * kP + p] / kP;
      for (size_t p = 0; p < kP; ++p) d[(n * kC + o) * kP + p] = c[(n * kC + o) * kP + p] / sigmoid(mean);
    }
  const auto want = conv(d), y = run(ex, x);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-3f * (1 + std::abs(want[i]))) << i;
}

TEST(ChannelOps, SiluIsFusedIntoTheConvAndExact) {
  Executor ex(graph_of({node("Sigmoid", {"c"}, "s"), node("Mul", {"c", "s"}, "y")}), options());
  EXPECT_NE(ex.summary().find("1 SiLUs fused"), std::string::npos) << ex.summary();
  EXPECT_NE(ex.summary().find("Conv c_node + Silu"), std::string::npos)
      << "the SiLU is a post-op of the Conv:\n"
      << ex.summary();
  const auto x = normal(kN * kC * kP, 7);
  const auto c = conv(x);
  const auto y = run(ex, x);
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], c[i] * sigmoid(c[i]), 1e-4f * (1 + std::abs(c[i]))) << i;
}

}  // namespace
