// SqueezeNet's layout on AVX-512 (engine/layout_plan.cpp): the convs feeding a Concat of small convs (its
// fire modules) run in the blocked layout at every batch size, and so does the stem, whose MaxPool feeds such
// a module: its kernel reads the plain input with no reorder. Checked on a stem and two fire modules: the
// kernels chosen, and that the batch of two (blocked, copying Concats) computes for each image what the
// batch-1 executor (blocked, Concats in place) computes for it alone.
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

// x [N,3,33,33] -> stem = Relu(3x3 stride 2, 32) -> p = MaxPool 3x3 stride 2 -> fire f1 (squeeze 1x1 16,
// expand 1x1 32 | 3x3 32, Concat) -> fire y (the same over 64 channels): [N,64,7,7]. With `conv_after_pool`
// a 3x3 conv (32 channels) comes between the pool and the first fire module, as in GoogLeNet: the stem then
// stays in the library's choice.
Graph stem_and_fires(bool conv_after_pool = false) {
  Graph g;
  g.source = "fire.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 3, 33, 33}}};
  g.outputs = {{"y", {}}};
  unsigned seed = 1;
  // A conv "<out>0" and its Relu "<out>".
  auto conv = [&](const std::string& in, const std::string& out, std::int64_t c_in, std::int64_t c_out,
                  std::int64_t k, std::int64_t stride = 1) {
    return std::vector{random_conv(g, seed, in, out + "0", c_in, c_out, k, stride),
                       node("Relu", {out + "0"}, out)};
  };
  auto add = [&](std::vector<flipguard::model::Node> nodes) {
    g.nodes.insert(g.nodes.end(), nodes.begin(), nodes.end());
  };
  add(conv("x", "stem", 3, 32, 3, 2));
  auto pool = node("MaxPool", {"stem"}, "p");
  pool.attributes["kernel_shape"] = std::vector<std::int64_t>{3, 3};
  pool.attributes["strides"] = std::vector<std::int64_t>{2, 2};
  add({pool});
  auto fire = [&](const std::string& in, const std::string& name, std::int64_t c_in) {
    add(conv(in, name + "s", c_in, 16, 1));
    add(conv(name + "s", name + "e1", 16, 32, 1));
    add(conv(name + "s", name + "e3", 16, 32, 3));
    auto cat = node("Concat", {name + "e1", name + "e3"}, name);
    cat.attributes["axis"] = std::int64_t{1};
    add({cat});
  };
  if (conv_after_pool) add(conv("p", "q", 32, 32, 3));
  fire(conv_after_pool ? "q" : "p", "f1", 32);
  fire("f1", "y", 64);
  return g;
}

bool avx512(const Executor& ex) {
  return ex.summary().find("avx512_core") != std::string::npos;
}

}  // namespace

TEST(FireModuleLayout, StemAndFireModulesRunBlockedAtEveryBatchSize) {
  for (int batch : {1, 2}) {
    ExecutorOptions opt;
    opt.batch = batch;
    Executor ex(stem_and_fires(), opt);
    if (!avx512(ex)) GTEST_SKIP() << "the blocked rules apply to AVX-512 kernels only";
    const std::string summary = ex.summary();
    const std::string b = std::to_string(batch);
    // The blocked direct kernel ("jit"), not channels-last ("brgconv"), and no reorder of the input.
    EXPECT_NE(summary.find("Conv stem0_node + Relu [" + b + ",32,16,16] [jit:"), std::string::npos)
        << summary;
    EXPECT_EQ(summary.find("reorder x"), std::string::npos) << summary;
    EXPECT_EQ(summary.find("brgconv"), std::string::npos) << summary;
    // One image: the Concats are in place; more: each copies one run per image and part.
    EXPECT_EQ(summary.find("Concat y_node [" + b + ",64,7,7]") != std::string::npos, batch > 1) << summary;
    EXPECT_EQ(summary.find("Concat y_node [" + b + ",64,7,7] [runs]") != std::string::npos, batch > 1)
        << summary;
    for (const char* conv : {"f1e30_node", "ye30_node"})
      EXPECT_NE(summary.find("Conv " + std::string(conv) + " + Relu [" + b + ",32,7,7] [jit:"),
                std::string::npos)
          << conv << "\n"
          << summary;
  }
  // A stem whose pool feeds a 3x3 conv (not blocked by the graph) stays in the library's choice.
  ExecutorOptions two;
  two.batch = 2;
  Executor other(stem_and_fires(true), two);
  EXPECT_NE(other.summary().find("Conv stem0_node + Relu [2,32,16,16] [brgconv:"), std::string::npos)
      << other.summary();
}

TEST(FireModuleLayout, BatchOfTwoComputesWhatEachImageComputesAlone) {
  ExecutorOptions one, two;
  one.batch = 1;
  two.batch = 2;
  Executor single(stem_and_fires(), one), pair(stem_and_fires(), two);
  double largest = 0;
  expect_each_image_matches(single, pair, 11, &largest);
  EXPECT_GT(largest, 0.1) << "the output is all zeros: the comparison would prove nothing";
}
