// Layer normalization, GELU and SiLU written out in primitives (PyTorch's export) become one internal
// node each, with the parameters of the pattern; a pattern whose intermediate value is read elsewhere, or
// whose constants are not those of the operator, is left alone.
#include <gtest/gtest.h>

#include <cmath>

#include "model/fuse_gelu.hpp"
#include "model/fuse_layernorm.hpp"
#include "model/fuse_silu.hpp"

namespace {

using flipguard::model::Constant;
using flipguard::model::Graph;
using flipguard::model::kInternalDomain;
using flipguard::model::Node;

Node node(const std::string& op, std::vector<std::string> inputs, const std::string& output) {
  Node n;
  n.name = output + "_node";
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

Node mean(const std::string& in, const std::string& out) {
  Node n = node("ReduceMean", {in}, out);
  n.attributes["axes"] = std::vector<std::int64_t>{-1};
  return n;
}

Graph base() {
  Graph g;
  g.source = "test.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 5, 8}}};
  g.outputs = {{"y", {}}};
  g.constants["two"] = Constant{{}, {2.f}, {}};
  g.constants["eps"] = Constant{{}, {1e-6f}, {}};
  g.constants["gamma"] = Constant{{8}, std::vector<float>(8, 1.5f), {}};
  g.constants["beta"] = Constant{{8}, std::vector<float>(8, 0.25f), {}};
  g.constants["one"] = Constant{{}, {1.f}, {}};
  g.constants["half"] = Constant{{}, {0.5f}, {}};
  g.constants["sqrt2"] = Constant{{}, {static_cast<float>(std::sqrt(2.0))}, {}};
  return g;
}

// x -> LayerNorm(gamma, beta) over the last axis, as torch 1.13 exports nn.LayerNorm at opset 13.
std::vector<Node> layernorm_nodes(const std::string& out) {
  return {mean("x", "m"),
          node("Sub", {"x", "m"}, "d"),
          node("Pow", {"d", "two"}, "sq"),
          mean("sq", "var"),
          node("Add", {"var", "eps"}, "ve"),
          node("Sqrt", {"ve"}, "sd"),
          node("Div", {"d", "sd"}, "n"),
          node("Mul", {"n", "gamma"}, "ng"),
          node("Add", {"ng", "beta"}, out)};
}

TEST(FuseLayerNorm, Opset13DecompositionBecomesOneNode) {
  auto g = base();
  g.nodes = layernorm_nodes("y");
  EXPECT_EQ(flipguard::model::fuse_layernorm(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& f = g.nodes[0];
  EXPECT_EQ(f.domain, kInternalDomain);
  EXPECT_EQ(f.op_type, flipguard::model::kLayerNorm);
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "gamma", "beta"}));
  EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
  EXPECT_EQ(f.get_int("axis", 0), -1);
  EXPECT_FLOAT_EQ(f.get_float("epsilon", 0), 1e-6f);
}

TEST(FuseLayerNorm, WithoutAffinePartsAndWithMulForTheSquare) {
  auto g = base();
  g.nodes = layernorm_nodes("y");
  g.nodes.resize(7);  // ends at the Div
  g.nodes[2] = node("Mul", {"d", "d"}, "sq");
  g.nodes[6].outputs = {"y"};
  EXPECT_EQ(flipguard::model::fuse_layernorm(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "", ""}));
}

TEST(FuseLayerNorm, IntermediateReadElsewhereIsNotFused) {
  auto g = base();
  g.nodes = layernorm_nodes("ln");
  g.nodes.push_back(node("Add", {"ln", "var"}, "y"));  // the variance is read after the pattern
  EXPECT_EQ(flipguard::model::fuse_layernorm(g), 0);
  EXPECT_EQ(g.nodes.size(), 10u);
}

TEST(FuseLayerNorm, AnotherExponentIsNotAVariance) {
  auto g = base();
  g.constants["two"] = Constant{{}, {3.f}, {}};
  g.nodes = layernorm_nodes("y");
  EXPECT_EQ(flipguard::model::fuse_layernorm(g), 0);
}

TEST(FuseLayerNorm, NonSuffixAxesAreNotFused) {
  auto g = base();
  g.nodes = layernorm_nodes("y");
  g.nodes[0].attributes["axes"] = std::vector<std::int64_t>{1};
  g.nodes[3].attributes["axes"] = std::vector<std::int64_t>{1};
  EXPECT_EQ(flipguard::model::fuse_layernorm(g), 0);
}

// GELU as torch exports nn.GELU(): Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5.
std::vector<Node> gelu_nodes() {
  return {node("Div", {"x", "sqrt2"}, "s"), node("Erf", {"s"}, "e"), node("Add", {"e", "one"}, "a"),
          node("Mul", {"x", "a"}, "xa"), node("Mul", {"xa", "half"}, "y")};
}

TEST(FuseGelu, ExportedGeluBecomesOneNode) {
  auto g = base();
  g.nodes = gelu_nodes();
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].domain, kInternalDomain);
  EXPECT_EQ(g.nodes[0].op_type, flipguard::model::kGelu);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"y"}));
}

TEST(FuseGelu, HalfFirstOrderIsRecognised) {
  // (x * 0.5) * (1 + erf(x * (1/sqrt 2)))
  auto g = base();
  g.constants["rsqrt2"] = Constant{{}, {static_cast<float>(std::sqrt(0.5))}, {}};
  g.nodes = {node("Mul", {"x", "half"}, "xh"), node("Mul", {"x", "rsqrt2"}, "s"), node("Erf", {"s"}, "e"),
             node("Add", {"one", "e"}, "a"), node("Mul", {"xh", "a"}, "y")};
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, flipguard::model::kGelu);
}

TEST(FuseGelu, WrongConstantsOrSharedValuesAreLeftAlone) {
  auto g = base();
  g.constants["sqrt2"] = Constant{{}, {1.5f}, {}};
  g.nodes = gelu_nodes();
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 0) << "x / 1.5 is not GELU's argument";
  auto g2 = base();
  g2.nodes = gelu_nodes();
  g2.nodes.back().outputs = {"g"};
  g2.nodes.push_back(node("Add", {"g", "e"}, "y"));  // erf(x / sqrt 2) read outside the pattern
  EXPECT_EQ(flipguard::model::fuse_gelu(g2), 0);
  EXPECT_EQ(g2.nodes.size(), 6u);
}

// GPT-2's gelu_new as Hugging Face writes it: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))).
std::vector<Node> gelu_new_nodes() {
  return {node("Mul", {"half", "x"}, "xh"),      node("Pow", {"x", "three"}, "cube"),
          node("Mul", {"c", "cube"}, "cc"),      node("Add", {"x", "cc"}, "inner"),
          node("Mul", {"inner", "k"}, "scaled"), node("Tanh", {"scaled"}, "t"),
          node("Add", {"one", "t"}, "a"),        node("Mul", {"xh", "a"}, "y")};
}

Graph tanh_base() {
  auto g = base();
  g.constants["three"] = Constant{{}, {3.f}, {}};
  g.constants["c"] = Constant{{}, {0.044715f}, {}};
  g.constants["k"] = Constant{{}, {static_cast<float>(std::sqrt(2.0 / 3.141592653589793))}, {}};
  return g;
}

TEST(FuseGelu, TanhApproximationBecomesOneNode) {
  auto g = tanh_base();
  g.nodes = gelu_new_nodes();
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].domain, kInternalDomain);
  EXPECT_EQ(g.nodes[0].op_type, flipguard::model::kGeluTanh);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"y"}));
}

TEST(FuseGelu, TanhApproximationAsPyTorchExportsIt) {
  // gelu(x, approximate="tanh") at opset 17: x * (x * x), the constants first, then x * (1 + tanh) * 0.5.
  auto g = tanh_base();
  g.nodes = {
      node("Mul", {"x", "x"}, "sq"),     node("Mul", {"x", "sq"}, "cube"), node("Mul", {"c", "cube"}, "cc"),
      node("Add", {"x", "cc"}, "inner"), node("Mul", {"k", "inner"}, "s"), node("Tanh", {"s"}, "t"),
      node("Add", {"one", "t"}, "a"),    node("Mul", {"x", "a"}, "xa"),    node("Mul", {"half", "xa"}, "y")};
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, flipguard::model::kGeluTanh);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x"}));
}

TEST(FuseGelu, TanhWithOtherConstantsOrSharedValuesIsLeftAlone) {
  auto g = tanh_base();
  g.constants["c"] = Constant{{}, {0.05f}, {}};
  g.nodes = gelu_new_nodes();
  EXPECT_EQ(flipguard::model::fuse_gelu(g), 0) << "0.05 x^3 is not the approximation's";
  auto g2 = tanh_base();
  g2.constants["three"] = Constant{{}, {2.f}, {}};
  g2.nodes = gelu_new_nodes();
  EXPECT_EQ(flipguard::model::fuse_gelu(g2), 0) << "x^2 is not the cube";
  auto g3 = tanh_base();
  g3.nodes = gelu_new_nodes();
  g3.nodes.back().outputs = {"g"};
  g3.nodes.push_back(node("Add", {"g", "t"}, "y"));  // the tanh read outside the pattern
  EXPECT_EQ(flipguard::model::fuse_gelu(g3), 0);
  EXPECT_EQ(g3.nodes.size(), 9u);
  auto g4 = tanh_base();
  g4.nodes = {node("Tanh", {"x"}, "y")};  // a plain Tanh
  EXPECT_EQ(flipguard::model::fuse_gelu(g4), 0);
}

}  // namespace

namespace {

TEST(FuseSilu, SigmoidTimesItsInputBecomesOneNode) {
  for (const bool sigmoid_first : {false, true}) {
    auto g = base();
    g.nodes = {
        node("Sigmoid", {"x"}, "s"),
        node("Mul", sigmoid_first ? std::vector<std::string>{"s", "x"} : std::vector<std::string>{"x", "s"},
             "y")};
    EXPECT_EQ(flipguard::model::fuse_silu(g), 1);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].domain, kInternalDomain);
    EXPECT_EQ(g.nodes[0].op_type, flipguard::model::kSilu);
    EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x"}));
    EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"y"}));
  }
}

TEST(FuseSilu, AGateOfAnotherValueOrASharedSigmoidStays) {
  auto g = base();
  g.inputs.push_back({"z", {1, 5, 8}});
  g.nodes = {node("Sigmoid", {"z"}, "s"), node("Mul", {"x", "s"}, "y")};  // squeeze-and-excitation style
  EXPECT_EQ(flipguard::model::fuse_silu(g), 0);
  auto g2 = base();
  g2.nodes = {node("Sigmoid", {"x"}, "s"), node("Mul", {"x", "s"}, "m"), node("Add", {"m", "s"}, "y")};
  EXPECT_EQ(flipguard::model::fuse_silu(g2), 0) << "sigmoid(x) is read again";
  EXPECT_EQ(g2.nodes.size(), 3u);
}

}  // namespace
