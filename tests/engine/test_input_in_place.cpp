// A full batch is read where the caller keeps it (the input and its views point at the caller's images for
// the run) instead of being copied in. Checked on a graph whose input is read through a view (Flatten) by
// two nodes far apart, against sums computed here: consecutive batches from different buffers, a partial
// batch (copied) in between, the caller's images left untouched, and a suffix run from a cut after a full
// batch read in place from a buffer freed since.
#include <gtest/gtest.h>

#include <memory>

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

constexpr std::int64_t kChannels = 2, kSide = 4, kWidth = kChannels * kSide * kSide;

// x [N,2,4,4] -> v = Flatten(x) [N,32] -> g = Gemm(v, W, b) -> y = g + v.
Graph view_graph() {
  Graph g;
  g.source = "input_view.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, kChannels, kSide, kSide}}};
  g.outputs = {{"y", {}}};
  g.constants["W"] = Constant{{kWidth, kWidth}, normal(kWidth * kWidth, 5, 0.2f), {}};
  g.constants["b"] = Constant{{kWidth}, normal(kWidth, 6, 0.1f), {}};
  g.nodes = {node("Flatten", {"x"}, "v"), node("Gemm", {"v", "W", "b"}, "g"), node("Add", {"g", "v"}, "y")};
  return g;
}

// y = v W + b + v for each of `count` images of x, in double.
std::vector<double> expected(const Graph& g, const std::vector<float>& x, int count) {
  const auto& w = g.constants.at("W").floats;
  const auto& b = g.constants.at("b").floats;
  std::vector<double> y(static_cast<size_t>(count * kWidth));
  for (std::int64_t n = 0; n < count; ++n)
    for (std::int64_t j = 0; j < kWidth; ++j) {
      double s = b[static_cast<size_t>(j)] + x[static_cast<size_t>(n * kWidth + j)];
      for (std::int64_t i = 0; i < kWidth; ++i)
        s += static_cast<double>(x[static_cast<size_t>(n * kWidth + i)]) *
             w[static_cast<size_t>(i * kWidth + j)];
      y[static_cast<size_t>(n * kWidth + j)] = s;
    }
  return y;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << what << " element " << i;
}

}  // namespace

TEST(InputInPlace, ConsecutiveFullBatchesFromDifferentBuffersReadEachThroughTheView) {
  ExecutorOptions opt;
  opt.batch = 3;
  const Graph g = view_graph();
  Executor ex(g, opt);
  const auto x1 = normal(3 * kWidth, 1), x2 = normal(3 * kWidth, 2), x3 = normal(3 * kWidth, 3);
  const auto x1_copy = x1;
  std::vector<float> y(static_cast<size_t>(3 * kWidth));
  ex.run(x1.data(), 3, y.data());
  expect_near(y, expected(g, x1, 3), "first batch");
  EXPECT_EQ(x1, x1_copy) << "the caller's images changed";
  const auto y1 = y;
  ex.run(x2.data(), 3, y.data());
  expect_near(y, expected(g, x2, 3), "second batch, another buffer");
  // A partial batch is copied into the executor's own buffer; the next full batch is read in place again.
  std::vector<float> part(static_cast<size_t>(2 * kWidth));
  ex.run(x3.data(), 2, part.data());
  expect_near(part, expected(g, x3, 2), "partial batch");
  ex.run(x1.data(), 3, y.data());
  EXPECT_EQ(y, y1) << "the same full batch again, after a partial one";
  // The copied partial batch computes bit for bit what the same images compute read in place.
  ex.run(x1.data(), 2, part.data());
  EXPECT_EQ(part, std::vector<float>(y1.begin(), y1.begin() + 2 * kWidth));
}

TEST(InputInPlace, SuffixAfterAFullBatchReadInPlaceReadsTheInputOfItsOwnPrefix) {
  ExecutorOptions opt;
  opt.batch = 3;
  const Graph g = view_graph();
  Executor ex(g, opt);
  const auto x = normal(3 * kWidth, 7);
  const auto cuts = ex.cut_points();
  ASSERT_GE(cuts.size(), 2u);
  for (const int cut : cuts) {
    ex.run_prefix(x.data(), 3, cut);
    {
      // Another full batch, read in place from a buffer gone before the suffix runs (a sanitizer build
      // reports any read of it).
      auto other = std::make_unique<std::vector<float>>(normal(3 * kWidth, 8));
      std::vector<float> y(static_cast<size_t>(3 * kWidth));
      ex.run(other->data(), 3, y.data());
      expect_near(y, expected(g, *other, 3), "batch between prefix and suffix");
    }
    std::vector<float> y(static_cast<size_t>(3 * kWidth));
    ex.run_suffix(y.data());
    expect_near(y, expected(g, x, 3), "suffix from the cut before layer " + std::to_string(cut));
  }
}
