// Model files that crashed or misled the loader or the graph passes (found by fuzz/onnx_model.cpp or while
// writing it): each must now be a clean error naming the file and the problem.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/onnx_loader.hpp"
#include "model/passes.hpp"

namespace fs = std::filesystem;
using namespace flipguard::model;

namespace {

// Loads and runs the passes, as every model does before the engine; returns the error message.
std::string error_of(const std::string& bytes, const std::string& source) {
  try {
    Graph g = parse_onnx(bytes, source);
    simplify(g);
    fold_batchnorm(g);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

onnx::ModelProto model_with(const std::vector<onnx::NodeProto>& nodes,
                            const std::vector<onnx::TensorProto>& initializers) {
  onnx::ModelProto m;
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->add_input()->set_name("x");
  g->add_output()->set_name("y");
  for (const auto& n : nodes) *g->add_node() = n;
  for (const auto& t : initializers) *g->add_initializer() = t;
  return m;
}

onnx::NodeProto node(const std::string& op, std::vector<std::string> inputs,
                     std::vector<std::string> outputs) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(op + "_node");
  for (const auto& i : inputs) n.add_input(i);
  for (const auto& o : outputs) n.add_output(o);
  return n;
}

onnx::TensorProto floats(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t.add_dims(d);
  for (float v : values) t.add_float_data(v);
  return t;
}

// Conv(x, w, b) -> BatchNormalization with one channel; `w` and `b` vary per test.
std::string conv_bn(const onnx::TensorProto& w, const onnx::TensorProto& b) {
  return model_with({node("Conv", {"x", "w", "b"}, {"c"}),
                     node("BatchNormalization", {"c", "s", "bb", "m", "v"}, {"y"})},
                    {w, b, floats("s", {1}, {1}), floats("bb", {1}, {0}), floats("m", {1}, {0}),
                     floats("v", {1}, {1})})
      .SerializeAsString();
}

}  // namespace

TEST(FuzzRegressions, ShapeWhoseElementCountOverflowsIsRejected) {
  // Found by fuzzing: dims whose product passes int64 (signed overflow, undefined behaviour, before).
  const fs::path p =
      fs::path(FLIPGUARD_SOURCE_DIR) / "fuzz/regressions/onnx_model/shape-product-overflow.onnx";
  std::string msg;
  try {
    load_onnx(p.string());
  } catch (const std::exception& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("overflows"), std::string::npos) << msg;
}

TEST(FuzzRegressions, RawDataSizeIsNotFooledByAWrappingProduct) {
  // 2^61 + 1 floats of 8 bytes "need" 8 bytes once count * 8 wraps around 2^64.
  onnx::TensorProto t;
  t.set_name("huge");
  t.set_data_type(onnx::TensorProto::DOUBLE);
  t.add_dims((std::int64_t{1} << 61) + 1);
  t.set_raw_data(std::string(8, '\0'));
  std::string msg;
  try {
    to_constant(t, "model.onnx");
  } catch (const std::exception& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("model.onnx: tensor 'huge': raw_data has 8 bytes"), std::string::npos) << msg;
}

TEST(FuzzRegressions, ElementCountRefusesOverflowAndNegativeDimensions) {
  EXPECT_EQ(element_count({2, 3, 4}), 24);
  EXPECT_EQ(element_count({}), 1);
  EXPECT_THROW(element_count({std::int64_t{1} << 62, 4}), std::overflow_error);
  EXPECT_THROW(element_count({2, -1}), std::overflow_error);
}

TEST(FuzzRegressions, NodeWithoutOutputIsRejected) {
  const auto msg = error_of(model_with({node("Relu", {"x"}, {})}, {}).SerializeAsString(), "m.onnx");
  EXPECT_NE(msg.find("m.onnx: node 'Relu_node' (Relu) has no output"), std::string::npos) << msg;
}

TEST(FuzzRegressions, ConstantWhoseValueIsNotATensorIsRejected) {
  auto c = node("Constant", {}, {"k"});
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(3);
  const auto msg =
      error_of(model_with({c, node("Add", {"x", "k"}, {"y"})}, {}).SerializeAsString(), "m.onnx");
  EXPECT_NE(msg.find("m.onnx: node 'Constant_node' (Constant) has no 'value' tensor"), std::string::npos)
      << msg;
}

TEST(FuzzRegressions, IdentityWithoutInputIsRejected) {
  const auto msg =
      error_of(model_with({node("Identity", {}, {"i"}), node("Relu", {"i"}, {"y"})}, {}).SerializeAsString(),
               "m.onnx");
  EXPECT_NE(msg.find("m.onnx: node 'Identity_node' (Identity) has no input"), std::string::npos) << msg;
}

TEST(FuzzRegressions, BatchNormFoldChecksTheConvBiasLength) {
  // Three bias values for one output channel: the fold used to write past the bias vector.
  const auto msg = error_of(conv_bn(floats("w", {1, 1, 1, 1}, {2}), floats("b", {3}, {1, 2, 3})), "m.onnx");
  EXPECT_NE(msg.find("m.onnx: node 'Conv_node' (Conv) has 3 bias values for 1 output channels"),
            std::string::npos)
      << msg;
}

TEST(FuzzRegressions, BatchNormFoldChecksTheConvWeightShape) {
  // A weight with no elements: the fold used to divide by its zero output channels.
  const auto msg = error_of(conv_bn(floats("w", {0, 1}, {}), floats("b", {1}, {0})), "m.onnx");
  EXPECT_NE(msg.find("m.onnx: node 'Conv_node' (Conv) has weight 'w' of shape [0,1]"), std::string::npos)
      << msg;
}

TEST(FuzzRegressions, BatchNormFoldStillFoldsAValidPair) {
  // The checks above must not refuse a good pair: w=2, b=1, gamma=1, beta=0, mean=0, var=1 ->
  // w'=2/sqrt(1+eps).
  Graph g = parse_onnx(conv_bn(floats("w", {1, 1, 1, 1}, {2}), floats("b", {1}, {1})), "m.onnx");
  simplify(g);
  ASSERT_EQ(fold_batchnorm(g), 1);
  EXPECT_NEAR(g.constants.at("w").floats.at(0), 2.0 / std::sqrt(1.0 + 1e-5), 1e-6);
}

TEST(FuzzRegressions, LongChainListedInReverseIsSortedInItsOrder) {
  // 20,000 Relu nodes listed last-first: sorting used to sweep the list once per node (quadratic).
  constexpr int kNodes = 20000;
  std::vector<onnx::NodeProto> nodes;
  for (int i = kNodes - 1; i >= 0; --i)
    nodes.push_back(node("Relu", {i ? "t" + std::to_string(i) : "x"},
                         {i + 1 < kNodes ? "t" + std::to_string(i + 1) : "y"}));
  const Graph g = parse_onnx(model_with(nodes, {}).SerializeAsString(), "chain.onnx");
  ASSERT_EQ(g.nodes.size(), static_cast<size_t>(kNodes));
  EXPECT_EQ(g.nodes.front().inputs.at(0), "x");
  for (int i = 1; i < kNodes; ++i) ASSERT_EQ(g.nodes[i].inputs.at(0), g.nodes[i - 1].outputs.at(0)) << i;
  EXPECT_EQ(g.nodes.back().outputs.at(0), "y");
}

TEST(FuzzRegressions, CycleIsStillNamed) {
  const auto msg = error_of(
      model_with({node("Relu", {"b"}, {"a"}), node("Relu", {"a"}, {"b"}), node("Relu", {"x"}, {"y"})}, {})
          .SerializeAsString(),
      "m.onnx");
  EXPECT_NE(msg.find("m.onnx: the graph has a cycle: node 'Relu_node' (Relu) reads 'b'"), std::string::npos)
      << msg;
}
