// At batch > 1 on AVX-512 the residual path of a bottleneck ResNet runs in the blocked layout
// (engine/layout_plan.cpp): the 1x1 convs adding a residual into >= 256 channels, the 1x1 convs producing the
// residuals, and the 1x1 convs sharing their input. Checked on two bottleneck blocks (a projection shortcut,
// then an identity one): the batch of two computes for each image what the batch-1 executor (channels-last
// throughout) computes for it alone, and every stored weight reads back through the blocked layout map.
#include <gtest/gtest.h>

#include "engine/executor.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Graph;
using flipguard::testing::expect_each_image_matches;
using flipguard::testing::node;
using flipguard::testing::random_conv;

// x [N,64,8,8] -> block 1: a = Relu(1x1 16), b = Relu(3x3 16), c = 1x1 256, s = 1x1 256 of x,
// y1 = Relu(c + s) -> block 2: a2, b2 as before, c2 = 1x1 256, y = Relu(c2 + y1): [N,256,8,8].
Graph bottlenecks() {
  Graph g;
  g.source = "bottleneck.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 64, 8, 8}}};
  g.outputs = {{"y", {}}};
  unsigned seed = 1;
  auto conv = [&](const std::string& in, const std::string& out, std::int64_t c_in, std::int64_t c_out,
                  std::int64_t k) { return random_conv(g, seed, in, out, c_in, c_out, k); };
  g.nodes = {conv("x", "a0", 64, 16, 1),   node("Relu", {"a0"}, "a"),       conv("a", "b0", 16, 16, 3),
             node("Relu", {"b0"}, "b"),    conv("b", "c", 16, 256, 1),      conv("x", "s", 64, 256, 1),
             node("Add", {"c", "s"}, "t"), node("Relu", {"t"}, "y1"),       conv("y1", "a20", 256, 16, 1),
             node("Relu", {"a20"}, "a2"),  conv("a2", "b20", 16, 16, 3),    node("Relu", {"b20"}, "b2"),
             conv("b2", "c2", 16, 256, 1), node("Add", {"c2", "y1"}, "t2"), node("Relu", {"t2"}, "y")};
  return g;
}

}  // namespace

TEST(ResidualLayout, BatchOfTwoComputesWhatEachImageComputesAlone) {
  ExecutorOptions one, two;
  one.batch = 1;
  two.batch = 2;
  Executor single(bottlenecks(), one), pair(bottlenecks(), two);
  const std::string summary = pair.summary();
  // On AVX-512 (kernel names end in avx512_core) the residual convs take the blocked 1x1 kernel.
  if (summary.find("avx512_core") != std::string::npos) {
    for (const char* conv : {"Conv s_node + sum + Relu", "Conv c2_node + sum + Relu", "Conv c_node"})
      EXPECT_NE(summary.find(std::string(conv) + " [2,256,8,8] [jit_1x1:"), std::string::npos) << conv << "\n"
                                                                                               << summary;
    EXPECT_EQ(single.summary().find("jit_1x1"), std::string::npos) << single.summary();
  }
  double largest = 0;
  expect_each_image_matches(single, pair, 7, &largest);
  EXPECT_GT(largest, 0.1) << "the output is all zeros: the comparison would prove nothing";
}

TEST(ResidualLayout, EveryStoredWeightReadsBackThroughTheBlockedLayout) {
  ExecutorOptions two;
  two.batch = 2;
  two.weights.biases = true;
  Executor ex(bottlenecks(), two);
  ASSERT_EQ(ex.weights().size(), 14u);  // 7 convs: weight and bias each
  for (const auto& w : ex.weights()) {
    const auto clean = w->clean();
    for (std::int64_t i = 0; i < w->size(); ++i) ASSERT_EQ(w->read(i), clean[i]) << w->name() << " " << i;
  }
}
