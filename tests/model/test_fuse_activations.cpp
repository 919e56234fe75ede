// The fusion pass makes exactly the decisions the engine relies on: a residual Add only when its other input
// is computed before the Conv, nothing fused away that anything else reads, activations with their
// parameters decoded once.
#include <gtest/gtest.h>

#include "model/fuse_activations.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::model::Activation;
using flipguard::model::ActivationKind;
using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::Node;

using flipguard::testing::node;

// x -> [nodes] -> y, with a 1x1 conv weight "w" and scalar constants "zero" and "six".
Graph graph_of(std::vector<Node> nodes, const std::string& output = "y") {
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 2, 4, 4}}};
  g.outputs = {{output, {}}};
  g.constants["w"] = Constant{{2, 2, 1, 1}, {1, 0, 0, 1}, {}};
  g.constants["zero"] = Constant{{}, {0.f}, {}};
  g.constants["six"] = Constant{{}, {6.f}, {}};
  g.nodes = std::move(nodes);
  return g;
}

TEST(FuseActivations, ConvAddReluBecomesOneFusedConv) {
  auto g = graph_of({node("Relu", {"x"}, "r"), node("Conv", {"r", "w"}, "c"), node("Add", {"c", "r"}, "s"),
                     node("Relu", {"s"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 2);
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& f = g.nodes[1];
  EXPECT_EQ(f.domain, flipguard::model::kInternalDomain);
  EXPECT_EQ(f.op_type, flipguard::model::kFusedConv);
  EXPECT_EQ(f.name, "c_node");
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"r", "w", "", "r"}));
  EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
  const auto act = flipguard::model::fused_activation(f);
  ASSERT_TRUE(act);
  EXPECT_EQ(act->kind, ActivationKind::Relu);
  EXPECT_EQ(g.nodes[0].op_type, "Relu") << "an activation after a non-Conv stays";
}

TEST(FuseActivations, AddendComputedAfterTheConvIsNotFused) {
  auto g = graph_of({node("Conv", {"x", "w"}, "c"), node("Relu", {"x"}, "r"), node("Add", {"c", "r"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 0);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].op_type, "Conv");
  EXPECT_TRUE(g.nodes[0].domain.empty());
}

TEST(FuseActivations, ValuesReadElsewhereAreNotFusedAway) {
  // The Conv output is a graph output: nothing fuses into the Conv.
  auto g = graph_of({node("Conv", {"x", "w"}, "y"), node("Relu", {"y"}, "r")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 0);
  // The Add's output is read twice: the Add fuses, the activations after it do not.
  auto g2 = graph_of({node("Relu", {"x"}, "r"), node("Conv", {"r", "w"}, "c"), node("Add", {"r", "c"}, "s"),
                      node("Relu", {"s"}, "t"), node("Add", {"s", "t"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g2), 1);
  EXPECT_EQ(g2.nodes[1].op_type, flipguard::model::kFusedConv);
  EXPECT_EQ(g2.nodes[1].outputs[0], "s");
  EXPECT_FALSE(flipguard::model::fused_activation(g2.nodes[1]));
  // Add(c, c) is not a residual.
  auto g3 = graph_of({node("Conv", {"x", "w"}, "c"), node("Add", {"c", "c"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g3), 0);
}

TEST(FuseActivations, ConstantAddendIsNotAResidual) {
  auto g =
      graph_of({node("Conv", {"x", "w"}, "c"), node("Add", {"c", "six"}, "s"), node("Relu", {"s"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 0);
  EXPECT_EQ(g.nodes.size(), 3u);
}

TEST(FuseActivations, ActivationParametersAreDecoded) {
  auto g = graph_of({node("Conv", {"x", "w"}, "c"), node("Clip", {"c", "zero", "six"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 1);
  const auto clip = flipguard::model::fused_activation(g.nodes.at(0));
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->kind, ActivationKind::Clip);
  EXPECT_EQ(clip->alpha, 0.f);
  EXPECT_EQ(clip->beta, 6.f);

  auto leaky = node("LeakyRelu", {"g"}, "y");
  leaky.attributes["alpha"] = 0.25f;
  auto g2 = graph_of({node("Flatten", {"x"}, "f"), node("Gemm", {"f", "w"}, "g"), leaky});
  EXPECT_EQ(flipguard::model::fuse_activations(g2), 1);
  const Node& gemm = g2.nodes.at(1);
  EXPECT_EQ(gemm.op_type, flipguard::model::kFusedGemm);
  EXPECT_EQ(gemm.outputs[0], "y");
  const auto act = flipguard::model::fused_activation(gemm);
  ASSERT_TRUE(act);
  EXPECT_EQ(act->kind, ActivationKind::LeakyRelu);
  EXPECT_EQ(act->alpha, 0.25f);
}

TEST(FuseActivations, ClipWithComputedBoundsIsNamed) {
  auto g =
      graph_of({node("Relu", {"x"}, "lo"), node("Conv", {"x", "w"}, "c"), node("Clip", {"c", "lo"}, "y")});
  try {
    flipguard::model::fuse_activations(g);
    FAIL() << "a Clip with a computed bound was fused";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("test.onnx: node 'y_node' (Clip)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'lo' must be a constant"), std::string::npos) << msg;
  }
}

}  // namespace

namespace {

TEST(FuseActivations, KeptValuesStayWrittenApartFromTheActivationAfterThem) {
  const auto nodes = [] {
    return std::vector<Node>{node("Relu", {"x"}, "r"), node("Conv", {"r", "w"}, "c"),
                             node("Add", {"c", "r"}, "s"), node("Relu", {"s"}, "y")};
  };
  // Keeping the Add's output: the Conv still takes the residual Add, not the Relu after it.
  auto g = graph_of(nodes());
  EXPECT_EQ(flipguard::model::fuse_activations(g, [](const Node&, const std::string& v) { return v == "s"; }),
            1);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[1].op_type, flipguard::model::kFusedConv);
  EXPECT_EQ(g.nodes[1].outputs[0], "s");
  EXPECT_FALSE(flipguard::model::fused_activation(g.nodes[1]));
  EXPECT_EQ(g.nodes[2].op_type, "Relu");
  // Keeping the Conv's own output (chosen by its node): nothing fuses into it.
  auto g2 = graph_of(nodes());
  EXPECT_EQ(flipguard::model::fuse_activations(
                g2, [](const Node& n, const std::string&) { return n.op_type == "Conv"; }),
            0);
  EXPECT_EQ(g2.nodes.size(), 4u);
}

}  // namespace

namespace {

TEST(FuseActivations, AnExactNameKeepsThatValueAloneAndAnythingElseIsARegex) {
  auto g = graph_of({node("Conv", {"x", "w"}, "c1"), node("Relu", {"c1"}, "r1"),
                     node("Conv", {"r1", "w"}, "c10"), node("Relu", {"c10"}, "y")});
  g.nodes[0].name = "Conv_1";
  g.nodes[2].name = "Conv_10";
  const auto exact = flipguard::model::keep_selected("Conv_1", g);
  EXPECT_TRUE(exact(g.nodes[0], "c1"));
  EXPECT_FALSE(exact(g.nodes[2], "c10")) << "an exact name also matched as a regex";
  const auto regex = flipguard::model::keep_selected("^Conv_1", g);
  EXPECT_TRUE(regex(g.nodes[0], "c1"));
  EXPECT_TRUE(regex(g.nodes[2], "c10"));
  EXPECT_FALSE(flipguard::model::keep_selected("none", g));
  EXPECT_THROW(flipguard::model::keep_selected("(", g), std::invalid_argument);
}

}  // namespace

namespace {

// x [1, 3, 2] -> Linear (MatMul with constant "m", Add of bias "b") -> [residual Add of x] -> [Gelu].
Graph linear_of(std::vector<Node> nodes) {
  auto g = graph_of(std::move(nodes));
  g.constants["m"] = Constant{{2, 2}, {1, 2, 3, 4}, {}};
  g.constants["b"] = Constant{{2}, {0.5f, -0.5f}, {}};
  return g;
}

TEST(FuseActivations, LinearBiasResidualAndActivationBecomeOneFusedMatMul) {
  auto g =
      linear_of({node("Relu", {"x"}, "r"), node("MatMul", {"r", "m"}, "p"), node("Add", {"b", "p"}, "pb"),
                 node("Add", {"pb", "r"}, "s"), node("Relu", {"s"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 3);
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& f = g.nodes[1];
  EXPECT_EQ(f.op_type, flipguard::model::kFusedMatMul);
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"r", "m", "b", "r"}));
  EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
  ASSERT_TRUE(flipguard::model::fused_activation(f));
}

TEST(FuseActivations, LinearResidualWithoutBiasAndNotOfALaterValue) {
  auto g =
      linear_of({node("Relu", {"x"}, "r"), node("MatMul", {"r", "m"}, "p"), node("Add", {"p", "r"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<std::string>{"r", "m", "", "r"}));
  // The other input computed after the MatMul: no residual (the engine would read it before it exists).
  auto late =
      linear_of({node("MatMul", {"x", "m"}, "p"), node("Relu", {"x"}, "r"), node("Add", {"p", "r"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(late), 0);
}

TEST(FuseActivations, BatchedProductTakesItsScale) {
  auto g =
      linear_of({node("Relu", {"x"}, "r"), node("MatMul", {"x", "r"}, "p"), node("Div", {"p", "six"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& f = g.nodes[1];
  EXPECT_EQ(f.op_type, flipguard::model::kFusedMatMul);
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "r"}));
  EXPECT_EQ(f.get_string("scale_op", ""), "Div");
  EXPECT_FLOAT_EQ(f.get_float("scale", 0), 6.f);
  EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
  // 6 / product is no scale; nor is a product scaled by a computed value.
  auto inverse =
      linear_of({node("Relu", {"x"}, "r"), node("MatMul", {"x", "r"}, "p"), node("Div", {"six", "p"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(inverse), 0);
  auto computed =
      linear_of({node("Relu", {"x"}, "r"), node("MatMul", {"x", "r"}, "p"), node("Mul", {"p", "r"}, "y")});
  EXPECT_EQ(flipguard::model::fuse_activations(computed), 0);
}

}  // namespace
