// A model without a sidecar is called as its graph declares: one 4-D image input (NCHW or NHWC, the batch
// axis free) and one output whose non-batch dimensions give the classes. Anything else is refused naming the
// file and what it has.
#include <gtest/gtest.h>

#include <stdexcept>

#include "model/io_signature.hpp"
#include "model/weight_users.hpp"

namespace flipguard::model {
namespace {

Graph graph(std::vector<ValueInfo> inputs, std::vector<ValueInfo> outputs) {
  Graph g;
  g.source = "m.onnx";
  g.inputs = std::move(inputs);
  g.outputs = std::move(outputs);
  return g;
}

std::string error_of(const Graph& g) {
  try {
    io_signature(g);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

// An export without a dynamic batch axis declares its batch; the executor then runs at that batch only.
TEST(IoSignature, FixedBatchIsTheDeclaredFirstDimensionOfTheInput) {
  EXPECT_EQ(fixed_batch(graph({{"x", {8, 3, 32, 32}}}, {{"y", {8, 10}}})), 8);
  EXPECT_EQ(fixed_batch(graph({{"x", {1, 28, 28, 1}}}, {{"y", {1, 10}}})), 1);
  EXPECT_EQ(fixed_batch(graph({{"x", {-1, 3, 32, 32}}}, {{"y", {-1, 10}}})), 0);  // dynamic
  EXPECT_EQ(fixed_batch(graph({{"x", {}}}, {{"y", {}}})), 0);                     // no declared shape
  EXPECT_EQ(fixed_batch(graph({}, {})), 0);
}

TEST(IoSignature, ReadsChannelsFirstAndChannelsLastInputs) {
  const auto nchw = io_signature(graph({{"x", {-1, 3, 224, 200}}}, {{"y", {-1, 1000}}}));
  EXPECT_EQ(nchw.input_name, "x");
  EXPECT_FALSE(nchw.channels_last);
  EXPECT_EQ(nchw.channels, 3);
  EXPECT_EQ(nchw.height, 224);
  EXPECT_EQ(nchw.width, 200);
  EXPECT_EQ(nchw.output_name, "y");
  EXPECT_EQ(nchw.classes, 1000);
  const auto nhwc = io_signature(graph({{"x", {1, 28, 30, 1}}}, {{"y", {1, 10, 1, 1}}}));
  EXPECT_TRUE(nhwc.channels_last);
  EXPECT_EQ(nhwc.channels, 1);
  EXPECT_EQ(nhwc.height, 28);
  EXPECT_EQ(nhwc.width, 30);
  EXPECT_EQ(nhwc.classes, 10);
  const auto free_size = io_signature(graph({{"x", {-1, 3, -1, -1}}}, {{"y", {-1, 5}}}));
  EXPECT_EQ(free_size.height, 0);  // symbolic: taken from the crop later
  EXPECT_EQ(free_size.width, 0);
}

TEST(IoSignature, RefusesWhatIsNotOneImageInputAndOneOutput) {
  EXPECT_NE(error_of(graph({{"a", {1, 3, 8, 8}}, {"b", {1, 3, 8, 8}}}, {{"y", {1, 10}}}))
                .find("m.onnx: the model has 2 inputs ('a', 'b')"),
            std::string::npos);
  EXPECT_NE(error_of(graph({{"x", {1, 3, 8, 8}}}, {{"y", {1, 10}}, {"z", {1, 2}}}))
                .find("m.onnx: the model has 2 outputs ('y', 'z')"),
            std::string::npos);
  EXPECT_NE(error_of(graph({{"x", {1, 784}}}, {{"y", {1, 10}}})).find("has shape [1,784]"),
            std::string::npos);
  EXPECT_NE(error_of(graph({{"x", {1, 5, 8, 8}}}, {{"y", {1, 10}}})).find("neither dimension 1"),
            std::string::npos);
  EXPECT_NE(error_of(graph({{"x", {1, 3, 8, 8}}}, {{"y", {}}})).find("declares no shape"), std::string::npos);
  EXPECT_NE(error_of(graph({{"x", {1, 3, 8, 8}}}, {{"y", {-1, -1}}})).find("symbolic class dimension"),
            std::string::npos);
}

TEST(WeightUsers, ListsTheNodesReadingEachConstant) {
  Graph g;
  g.constants["w"] = Constant{{2}, {1, 2}, {}};
  Node a;
  a.name = "/a/Conv";
  a.inputs = {"x", "w"};
  Node b;
  b.name = "/b/Conv";
  b.inputs = {"y", "w", "w"};
  g.nodes = {a, b};
  const auto users = weight_users(g);
  ASSERT_EQ(users.count("w"), 1u);
  ASSERT_EQ(users.at("w").size(), 2u);  // each node once
  EXPECT_EQ(users.at("w")[0]->name, "/a/Conv");
  EXPECT_EQ(users.at("w")[1]->name, "/b/Conv");
  EXPECT_EQ(users.count("x"), 0u);  // runtime values are no weights
}

}  // namespace
}  // namespace flipguard::model
