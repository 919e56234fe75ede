// Load-time constant folding: shape arithmetic on a value of known shape becomes constants, run-time work and
// stored-weight lookups stay nodes, and a constant that cannot be evaluated is an error naming file and node.
#include <gtest/gtest.h>

#include <cmath>

#include "model/constant_folding.hpp"

namespace {

using flipguard::model::Constant;
using flipguard::model::Dims;
using flipguard::model::fold_constants;
using flipguard::model::Graph;
using flipguard::model::Node;

Node node(const std::string& op, std::vector<std::string> inputs, const std::string& output) {
  Node n;
  n.name = output + "_node";
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

Constant ints(Dims dims, std::vector<std::int64_t> values) {
  Constant c;
  c.dims = std::move(dims);
  c.ints = std::move(values);
  c.integer = true;
  return c;
}

// x [N, 4, 6] (N symbolic in the file) -> Relu -> r, then the exporter's flatten-to-[N, -1]:
//   s = Shape(r); n = Gather(s, 0); u = Unsqueeze(n, [0]); shape = Concat(u, [-1]); y = Reshape(r, shape)
Graph reshape_graph() {
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 4, 6}}};
  g.outputs = {{"y", {}}};
  g.constants["zero"] = ints({}, {0});
  g.constants["axes0"] = ints({1}, {0});
  g.constants["minus1"] = ints({1}, {-1});
  Node gather = node("Gather", {"s", "zero"}, "n");
  gather.attributes["axis"] = std::int64_t{0};
  Node concat = node("Concat", {"u", "minus1"}, "shape");
  concat.attributes["axis"] = std::int64_t{0};
  g.nodes = {node("Relu", {"x"}, "r"),
             node("Shape", {"r"}, "s"),
             gather,
             node("Unsqueeze", {"n", "axes0"}, "u"),
             concat,
             node("Reshape", {"r", "shape"}, "y")};
  return g;
}

TEST(ConstantFolding, ShapeArithmeticOfAKnownShapeBecomesAConstant) {
  auto g = reshape_graph();
  const auto r = fold_constants(g, {{"x", {5, 4, 6}}});
  EXPECT_EQ(r.folded, 4);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "Relu");
  EXPECT_EQ(g.nodes[1].op_type, "Reshape");
  ASSERT_TRUE(g.is_constant("shape"));
  EXPECT_EQ(g.constants.at("shape").ints, (std::vector<std::int64_t>{5, -1}));
  EXPECT_FALSE(g.constants.at("shape").is_float());
  // The folded chain's own constants are no longer read by anything.
  EXPECT_FALSE(g.is_constant("zero"));
  EXPECT_FALSE(g.is_constant("minus1"));
}

TEST(ConstantFolding, TheBatchChosenAtLoadIsWhatFolds) {
  auto g = reshape_graph();
  fold_constants(g, {{"x", {1, 4, 6}}});
  EXPECT_EQ(g.constants.at("shape").ints, (std::vector<std::int64_t>{1, -1}));
}

TEST(ConstantFolding, AnUnknownShapeFoldsNothing) {
  auto g = reshape_graph();
  const auto r = fold_constants(g, {});
  EXPECT_EQ(r.folded, 0);
  EXPECT_EQ(g.nodes.size(), 6u);
}

TEST(ConstantFolding, ShapesPropagateThroughRunTimeOperators) {
  // Shape of a Transpose of a MatMul output: known from the rules of both operators.
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {-1, 3, 4}}};
  g.outputs = {{"s", {}}};
  g.constants["w"] = Constant{{4, 7}, std::vector<float>(28, 0.5f), {}};
  Node t = node("Transpose", {"m"}, "t");
  t.attributes["perm"] = std::vector<std::int64_t>{0, 2, 1};
  g.nodes = {node("MatMul", {"x", "w"}, "m"), t, node("Shape", {"t"}, "s")};
  fold_constants(g, {{"x", {2, 3, 4}}});
  ASSERT_TRUE(g.is_constant("s"));
  EXPECT_EQ(g.constants.at("s").ints, (std::vector<std::int64_t>{2, 7, 3}));
}

TEST(ConstantFolding, MasksBuiltFromConstantsFold) {
  // A causal mask as exporters write it: Where(Equal(Range(0, 3, 1) < ..., ...)) reduced to its core:
  // m = Where(Less(Unsqueeze(r, [1]) , Unsqueeze(r, [0])), -inf, 0).
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 3, 3}}};
  g.outputs = {{"y", {}}};
  g.constants["start"] = ints({}, {0});
  g.constants["limit"] = ints({}, {3});
  g.constants["delta"] = ints({}, {1});
  g.constants["a1"] = ints({1}, {1});
  g.constants["a0"] = ints({1}, {0});
  g.constants["ninf"] = Constant{{}, {-INFINITY}, {}};
  g.constants["zero"] = Constant{{}, {0.f}, {}};
  g.nodes = {node("Range", {"start", "limit", "delta"}, "r"), node("Unsqueeze", {"r", "a1"}, "col"),
             node("Unsqueeze", {"r", "a0"}, "row"),           node("Less", {"col", "row"}, "upper"),
             node("Where", {"upper", "ninf", "zero"}, "m"),   node("Add", {"x", "m"}, "y")};
  const auto r = fold_constants(g, {{"x", {1, 3, 3}}});
  EXPECT_EQ(r.folded, 5);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Constant& m = g.constants.at("m");
  ASSERT_EQ(m.dims, (Dims{3, 3}));
  ASSERT_TRUE(m.is_float());
  // Row i reads column j: -inf where i < j (the future), 0 elsewhere.
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(m.floats[static_cast<size_t>(i * 3 + j)], i < j ? -INFINITY : 0.f) << i << "," << j;
}

TEST(ConstantFolding, EmbeddingLookupsStayStoredWeights) {
  // Gather from a float table with constant indices (a position embedding) is not folded: the table is a
  // stored weight and faults in it must reach the output.
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 3, 2}}};
  g.outputs = {{"y", {}}};
  g.constants["table"] = Constant{{4, 2}, {0, 1, 2, 3, 4, 5, 6, 7}, {}};
  g.constants["positions"] = ints({3}, {0, 1, 2});
  g.nodes = {node("Gather", {"table", "positions"}, "p"), node("Add", {"x", "p"}, "y")};
  EXPECT_EQ(fold_constants(g, {{"x", {1, 3, 2}}}).folded, 0);
  EXPECT_EQ(g.nodes.size(), 2u);
  EXPECT_TRUE(g.is_constant("table"));
}

TEST(ConstantFolding, AConstantThatCannotBeEvaluatedNamesFileAndNode) {
  Graph g;
  g.source = "broken.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 2}}};
  g.outputs = {{"y", {}}};
  g.constants["data"] = ints({3}, {1, 2, 3});
  g.constants["index"] = ints({}, {7});
  g.nodes = {node("Gather", {"data", "index"}, "g"), node("Reshape", {"x", "g"}, "y")};
  try {
    fold_constants(g, {{"x", {1, 2}}});
    FAIL() << "an index outside the data folded silently";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("broken.onnx"), std::string::npos) << msg;
    EXPECT_NE(msg.find("g_node"), std::string::npos) << msg;
  }
}

}  // namespace
