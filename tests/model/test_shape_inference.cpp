// Shape inference looks each operator's rule up through a ShapeRuleSource: model's table of ONNX operators by
// default, or a source that adds rules of its own (as the engine's operator registry does), with no engine
// involved.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "model/constant_folding.hpp"
#include "model/onnx_shape_rules.hpp"
#include "model/shape_inference.hpp"
#include "support/graph_nodes.hpp"

namespace {

using flipguard::model::Dims;
using flipguard::model::Graph;
using flipguard::model::Node;
using flipguard::model::OptionalShapes;
using flipguard::model::ShapeRule;
using flipguard::model::ShapeRuleSource;
using flipguard::testing::node;

// ONNX's rules plus a "Twice" operator whose output doubles its input's first dim.
class WithTwice final : public ShapeRuleSource {
 public:
  const ShapeRule* shape_rule(const std::string& domain, const std::string& op_type) const override {
    if (domain.empty() && op_type == "Twice") return &twice_;
    return flipguard::model::onnx_shape_rules().shape_rule(domain, op_type);
  }

 private:
  ShapeRule twice_ = [](const flipguard::model::ShapeQuery& in) -> OptionalShapes {
    if (!in.known(0)) return {};
    Dims d = in[0];
    d.at(0) *= 2;
    return {d};
  };
};

// x -> Twice -> t -> Relu -> r; s = Shape(r).
Graph twice_graph() {
  Graph g;
  g.source = "twice.onnx";
  g.opset = 13;
  g.inputs = {{"x", {1, 3}}};
  g.outputs = {{"s", {}}};
  g.nodes = {node("Twice", {"x"}, "t"), node("Relu", {"t"}, "r"), node("Shape", {"r"}, "s")};
  return g;
}

TEST(ShapeInference, AShapeRuleSourceAddsTheRulesOfItsOperators) {
  Graph g = twice_graph();
  EXPECT_EQ(fold_constants(g, {{"x", {2, 3}}}, WithTwice()).folded, 1);
  ASSERT_TRUE(g.is_constant("s"));
  EXPECT_EQ(g.constants.at("s").ints, (Dims{4, 3}));
}

TEST(ShapeInference, ModelsOwnTableKnowsOnlyOnnxOperators) {
  Graph g = twice_graph();
  EXPECT_EQ(fold_constants(g, {{"x", {2, 3}}}).folded, 0);
  EXPECT_FALSE(g.is_constant("s"));
  EXPECT_EQ(flipguard::model::onnx_shape_rules().shape_rule("", "Twice"), nullptr);
  EXPECT_NE(flipguard::model::onnx_shape_rules().shape_rule("", "Relu"), nullptr);
  EXPECT_EQ(flipguard::model::onnx_shape_rules().shape_rule("com.example", "Relu"), nullptr);
}

TEST(ShapeInference, OneEntryPerOutputWhateverTheRuleGives) {
  Graph g;
  g.opset = 13;
  Node split = node("Split", {"x"}, "a");
  split.outputs = {"a", "b", "c"};
  split.attributes["axis"] = std::int64_t{1};
  const OptionalShapes parts = flipguard::model::infer_output_dims(split, g, {Dims{2, 6}}, false);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p, (Dims{2, 2}));
  // Unknown input, and an operator without a rule: every output unknown.
  EXPECT_EQ(flipguard::model::infer_output_dims(split, g, {std::nullopt}, false), OptionalShapes(3));
  split.op_type = "NoSuchOperator";
  EXPECT_EQ(flipguard::model::infer_output_dims(split, g, {Dims{2, 6}}, false), OptionalShapes(3));
}

}  // namespace
