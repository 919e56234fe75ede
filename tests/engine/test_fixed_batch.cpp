// A graph exported at a fixed batch N bakes N into its shape computations (here a Reshape to [N, -1]), so it
// runs at N whatever batch is asked for: images in chunks of N, a short last chunk padded and its padding
// dropped, each image's output the same as at any other position of its chunk.
#include <gtest/gtest.h>

#include "engine/executor.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::testing::node;
using flipguard::testing::normal;

constexpr std::int64_t kBatch = 4, kWidth = 2 * 3 * 3, kClasses = 5;

// x [4,2,3,3] -> Reshape to [4, -1] -> Gemm(W [18,5], b) -> y [4,5].
Graph fixed_graph() {
  Graph g;
  g.source = "fixed_batch.onnx";
  g.opset = 13;
  g.inputs = {{"x", {kBatch, 2, 3, 3}}};
  g.outputs = {{"y", {kBatch, kClasses}}};
  g.constants["shape"] = Constant{{2}, {}, {kBatch, -1}, true};
  g.constants["W"] = Constant{{kWidth, kClasses}, normal(kWidth * kClasses, 3, 0.3f), {}};
  g.constants["b"] = Constant{{kClasses}, normal(kClasses, 4, 0.1f), {}};
  g.nodes = {node("Reshape", {"x", "shape"}, "flat"), node("Gemm", {"flat", "W", "b"}, "y")};
  return g;
}

std::vector<double> expected(const Graph& g, const std::vector<float>& x, std::int64_t image) {
  const auto& w = g.constants.at("W").floats;
  std::vector<double> y(g.constants.at("b").floats.begin(), g.constants.at("b").floats.end());
  for (std::int64_t i = 0; i < kWidth; ++i)
    for (std::int64_t j = 0; j < kClasses; ++j)
      y[static_cast<size_t>(j)] += static_cast<double>(x[static_cast<size_t>(image * kWidth + i)]) *
                                   w[static_cast<size_t>(i * kClasses + j)];
  return y;
}

TEST(FixedBatch, RunsAtTheDeclaredBatchWhateverIsAsked) {
  for (int asked : {1, 3, 16}) {
    ExecutorOptions opt;
    opt.batch = asked;
    opt.threads = 1;
    const Graph g = fixed_graph();
    Executor ex(g, opt);
    EXPECT_EQ(ex.batch(), kBatch) << "asked " << asked;
    EXPECT_EQ(ex.input_dims()[0], kBatch);
    EXPECT_EQ(ex.output_size(), kClasses);
    // A full chunk and a short one (padded): each image gets its own logits.
    const auto x = normal(6 * kWidth, 7, 1.0f);
    std::vector<float> y(6 * kClasses);
    ex.run(x.data(), 4, y.data());
    ex.run(x.data() + 4 * kWidth, 2, y.data() + 4 * kClasses);
    for (std::int64_t n = 0; n < 6; ++n) {
      const auto want = expected(g, x, n);
      for (std::int64_t j = 0; j < kClasses; ++j)
        EXPECT_NEAR(y[static_cast<size_t>(n * kClasses + j)], want[static_cast<size_t>(j)], 1e-4)
            << "asked " << asked << ", image " << n << ", class " << j;
    }
  }
}

}  // namespace
