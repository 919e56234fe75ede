// Pad's edge and reflect modes (ONNX's own tests of them use integer tensors, which the fp32 engine rejects):
// hand-worked examples from the operator's definition.
#include <gtest/gtest.h>

#include "engine/executor.hpp"

using namespace flipguard;

namespace {

std::vector<float> run_pad(const std::string& mode, std::vector<std::int64_t> pads) {
  model::Graph g;
  g.source = "pad-test";
  g.opset = 13;
  g.inputs = {{"x", {2, 3}}};
  g.outputs = {{"y", {}}};
  g.constants["pads"] = model::Constant{{static_cast<std::int64_t>(pads.size())}, {}, pads};
  model::Node n;
  n.name = "pad";
  n.op_type = "Pad";
  n.inputs = {"x", "pads"};
  n.outputs = {"y"};
  n.attributes["mode"] = mode;
  g.nodes.push_back(n);
  engine::ExecutorOptions opt;
  opt.batch = 2;
  engine::Executor ex(g, opt);
  const std::vector<float> x{1, 2, 3, 4, 5, 6};
  std::vector<float> y(static_cast<size_t>(model::element_count(ex.output_dims())));
  ex.run(x.data(), 2, y.data());
  return y;
}

TEST(PadModes, ReflectMirrorsWithoutRepeatingTheEdge) {
  // Width padded by 2 before and 1 after: [1 2 3] -> [3 2 | 1 2 3 | 2].
  EXPECT_EQ(run_pad("reflect", {0, 2, 0, 1}), (std::vector<float>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
}

TEST(PadModes, EdgeRepeatsTheBorderValue) {
  EXPECT_EQ(run_pad("edge", {0, 2, 0, 1}), (std::vector<float>{1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6}));
}

TEST(PadModes, ConstantFillsAndNegativePadsCrop) {
  // Crop one column at the start, add one zero column at the end.
  EXPECT_EQ(run_pad("constant", {0, -1, 0, 1}), (std::vector<float>{2, 3, 0, 5, 6, 0}));
}

TEST(PadModes, ReflectWiderThanTheInputIsAnError) {
  try {
    run_pad("reflect", {0, 3, 0, 0});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("reflect pads must be smaller"), std::string::npos) << e.what();
  }
}

}  // namespace
