// A channel Concat of one image in a channel-major layout is built in place: its parts' producers write into
// one buffer and no Concat layer runs. Checked against the copying Concat a batch of two takes, on a graph
// where a part is read again after the Concat and a Concat feeds another (nested parts).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/executor.hpp"
#include "support/batch_equivalence.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::testing::expect_each_image_matches;
using flipguard::testing::node;
using flipguard::testing::normal;

flipguard::model::Node concat(std::vector<std::string> in, const std::string& out) {
  auto n = node("Concat", std::move(in), out);
  n.attributes["axis"] = std::int64_t{1};
  return n;
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
  expect_each_image_matches(in_place, copying, 4);
}

namespace {

// A DenseNet block (16 channels a layer: whole blocks of the 8- and 16-channel layouts AVX2 and AVX-512 use):
// every layer concatenates all earlier feature maps (f0 | f1 | ... ), so each Concat is a
// prefix of the next; r = Concat(f1, f0) takes two of them in the other order and must copy.
Graph dense_block() {
  Graph g;
  g.source = "dense.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 3, 6, 6}}};
  g.outputs = {{"y", {}}};
  auto conv = [&](std::vector<std::string> in, const std::string& out, std::int64_t c_in, unsigned seed) {
    g.constants["w_" + out] =
        Constant{{16, c_in, 3, 3}, normal(static_cast<size_t>(16 * c_in * 9), seed), {}};
    in.push_back("w_" + out);
    auto n = node("Conv", std::move(in), out);
    n.attributes["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
    return n;
  };
  g.nodes = {conv({"x"}, "f0", 3, 1),
             conv({"f0"}, "f1", 16, 2),
             concat({"f0", "f1"}, "c1"),
             conv({"c1"}, "f2", 32, 3),
             concat({"f0", "f1", "f2"}, "c2"),
             conv({"c2"}, "f3", 48, 4),
             concat({"f0", "f1", "f2", "f3"}, "c3"),
             concat({"f1", "f0"}, "r"),
             conv({"r"}, "f4", 32, 5),
             concat({"c3", "f4"}, "y")};
  return g;
}

}  // namespace

TEST(ConcatInPlace, DenseBlockPrefixesShareOneBufferAndComputeWhatTheCopyDoes) {
  ExecutorOptions one, two;
  one.batch = 1;
  two.batch = 2;
  Executor in_place(dense_block(), one), copying(dense_block(), two);
  for (const char* c : {"Concat c1_node", "Concat c2_node", "Concat c3_node"})
    EXPECT_EQ(in_place.summary().find(c), std::string::npos) << c << "\n" << in_place.summary();
  EXPECT_NE(in_place.summary().find("Concat r_node"), std::string::npos) << in_place.summary();
  expect_each_image_matches(in_place, copying, 6);
}

// Beyond one image a channel Concat in a channel-major layout copies each image's part as one run. Plain
// NCHW parts (Relu, Neg: elementwise results keep the input's layout), one of them twice, in three images,
// against the concatenation written out by hand.
TEST(ConcatInPlace, SeveralImagesCopyEachImagesPartsAsRuns) {
  Graph g;
  g.source = "runs.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 2, 2, 3}}};
  g.outputs = {{"y", {}}};
  g.nodes = {node("Relu", {"x"}, "a"), node("Neg", {"x"}, "b"), concat({"a", "b", "a"}, "y")};
  ExecutorOptions opt;
  opt.batch = 3;
  Executor ex(g, opt);
  EXPECT_NE(ex.summary().find("Concat y_node [3,6,2,3] [runs]"), std::string::npos) << ex.summary();
  const auto x = normal(3 * 12, 9);
  std::vector<float> y(3 * 36);
  ex.run(x.data(), 3, y.data());
  for (std::size_t image = 0; image < 3; ++image)
    for (std::size_t c = 0; c < 6; ++c)
      for (std::size_t i = 0; i < 6; ++i) {  // the 2 x 3 pixels of a channel
        const float v = x[image * 12 + (c % 2) * 6 + i];
        const float want = c / 2 == 1 ? -v : std::max(v, 0.f);
        EXPECT_EQ(y[image * 36 + c * 6 + i], want) << "image " << image << " channel " << c << " pixel " << i;
      }
}
