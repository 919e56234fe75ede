// The scale@logits plan on the graph the engine runs: constants, bias products and the logits' factor of a
// positively homogeneous network; refused with the offending node named on the others. That stored weights
// follow the plan exactly is tested in tests/campaign/test_faulty_weights.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/logit_scaling.hpp"
#include "model/onnx_loader.hpp"
#include "model/passes.hpp"

namespace fs = std::filesystem;

namespace flipguard::model {
namespace {

// As the executor sees it: Constant/Identity removed, BatchNorm folded.
Graph engine_graph(const std::string& name) {
  Graph g = load_onnx((fs::path(FLIPGUARD_SOURCE_DIR) / "models" / (name + ".onnx")).string());
  simplify(g);
  fold_batchnorm(g);
  return g;
}

// max|W| of every float constant, as stored weights give it.
std::map<std::string, float> max_abs_of(const Graph& g) {
  std::map<std::string, float> out;
  for (const auto& [name, c] : g.constants) {
    float m = 0;
    for (float v : c.floats) m = std::max(m, std::abs(v));
    out[name] = m;
  }
  return out;
}

Node node(std::string name, std::string op, std::vector<std::string> inputs, std::string output) {
  Node n;
  n.name = std::move(name);
  n.op_type = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = {std::move(output)};
  return n;
}

TEST(LogitScaling, ConcatenatedBranchesShareTheLowestConstant) {
  Graph g;
  g.source = "synthetic";
  g.inputs = {{"x", {1, 3, 8, 8}}};
  g.outputs = {{"y", {1, 10}}};
  for (const char* c : {"w1", "b1", "wa", "wb", "w3", "b3"}) g.constants[c] = Constant{{1}, {1.0f}, {}};
  g.nodes = {
      node("squeeze", "Conv", {"x", "w1", "b1"}, "s"),
      node("relu", "Relu", {"s"}, "r"),
      node("expand1x1", "Conv", {"r", "wa"}, "a"),
      node("expand3x3", "Conv", {"r", "wb"}, "b"),
      node("cat", "Concat", {"a", "b"}, "c"),
      node("pool", "GlobalAveragePool", {"c"}, "p"),
      node("flat", "Flatten", {"p"}, "f"),
      node("fc", "Gemm", {"f", "w3", "b3"}, "y"),
  };
  const auto plan = plan_logit_scaling(g, {{"w1", 0.5f}, {"wa", 0.25f}, {"wb", 2.0f}, {"w3", 1.0f}}, 2.0);
  EXPECT_EQ(plan.weight_scale.at("w1"), 4.0);
  EXPECT_EQ(plan.weight_scale.at("wa"), 1.0) << "lowered from 8 to the other branch's constant";
  EXPECT_EQ(plan.weight_scale.at("wb"), 1.0);
  EXPECT_EQ(plan.weight_scale.at("w3"), 2.0);
  EXPECT_EQ(plan.bias_scale.at("b1"), 4.0);
  EXPECT_EQ(plan.bias_scale.at("b3"), 8.0);
  EXPECT_EQ(plan.output_scale, 8.0);
}

TEST(LogitScaling, RefusesResidualAndNonHomogeneousModelsNamingTheNode) {
  for (const auto& [model, needle] :
       {std::pair{"resnet20", "(Add)"}, std::pair{"mobilenet_v1_025", "(Clip)"}}) {
    const Graph g = engine_graph(model);
    try {
      plan_logit_scaling(g, max_abs_of(g), 127.0 / 32);  // Q2.5's default t
      FAIL() << model << " should be refused";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("node '"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace flipguard::model
