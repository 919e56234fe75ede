// A channel Concat of one image in a channel-major layout is built in place: its parts' producers write into
// one buffer and no Concat layer runs. Checked against the copying Concat a batch of two takes, on a graph
// where a part is read again after the Concat and a Concat feeds another (nested parts).
#include <gtest/gtest.h>

#include <random>

#include "engine/executor.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::testing::node;

std::vector<float> normal(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// x [N,3,8,8] -> a = Relu(Conv3x3 16), b = Conv3x3 16 -> c = Concat(a, b) -> d = Conv1x1 16 of c
// -> e = d + a -> y = Concat(e, c): [N,48,8,8]. `a` is read after the first Concat; `c` is a part of the
// second; z = Concat(y, a) cannot hold `a` twice (it is inside y already) and copies.
Graph fire_like() {
  Graph g;
  g.source = "concat.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 3, 8, 8}}};
  g.outputs = {{"y", {}}};
  g.constants["wa"] = Constant{{16, 3, 3, 3}, normal(16 * 27, 1), {}};
  g.constants["wb"] = Constant{{16, 3, 3, 3}, normal(16 * 27, 2), {}};
  g.constants["wd"] = Constant{{16, 32, 1, 1}, normal(16 * 32, 3), {}};
  auto conv = [](std::vector<std::string> in, const std::string& out, std::int64_t pad) {
    auto n = node("Conv", std::move(in), out);
    n.attributes["pads"] = std::vector<std::int64_t>{pad, pad, pad, pad};
    return n;
  };
  auto concat = [](std::vector<std::string> in, const std::string& out) {
    auto n = node("Concat", std::move(in), out);
    n.attributes["axis"] = std::int64_t{1};
    return n;
  };
  g.nodes = {conv({"x", "wa"}, "a0", 1), node("Relu", {"a0"}, "a"), conv({"x", "wb"}, "b", 1),
             concat({"a", "b"}, "c"),    conv({"c", "wd"}, "d", 0), node("Add", {"d", "a"}, "e"),
             concat({"e", "c"}, "y0"),   concat({"y0", "a"}, "y")};
  return g;
}

}  // namespace

TEST(ConcatInPlace, OneImageConcatenatesWithoutACopyAndComputesWhatTheCopyDoes) {
  ExecutorOptions one, two;
  one.batch = 1;
  two.batch = 2;
  Executor in_place(fire_like(), one), copying(fire_like(), two);
  EXPECT_EQ(in_place.summary().find("Concat c_node"), std::string::npos) << in_place.summary();
  EXPECT_EQ(in_place.summary().find("Concat y0_node"), std::string::npos) << in_place.summary();
  EXPECT_NE(in_place.summary().find("Concat y_node"), std::string::npos) << in_place.summary();
  EXPECT_NE(copying.summary().find("Concat c_node"), std::string::npos) << copying.summary();
  const auto x = normal(2 * 3 * 64, 4);
  std::vector<float> y1(64 * 64), y2(2 * 64 * 64);
  copying.run(x.data(), 2, y2.data());
  for (int image = 0; image < 2; ++image) {
    in_place.run(x.data() + image * 3 * 64, 1, y1.data());
    for (std::size_t i = 0; i < y1.size(); ++i)
      ASSERT_NEAR(y1[i], y2[image * y1.size() + i], 1e-4f * (1 + std::abs(y2[image * y1.size() + i])))
          << "image " << image << " element " << i;
  }
}
