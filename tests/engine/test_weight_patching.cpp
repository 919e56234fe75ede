// Stored weights are patched element by element through the layout map of each oneDNN weight buffer
// (blocked, grouped, transposed...). These tests check the map for every element of real models, and that a
// patched executor computes exactly what an executor built from the modified weights computes.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "model/passes.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

fs::path model_path(const std::string& name) {
  return fs::path(FLIPGUARD_SOURCE_DIR) / "models" / (name + ".onnx");
}

flipguard::model::Graph load(const std::string& name) {
  const auto p = model_path(name);
  if (!fs::exists(p)) throw std::runtime_error(p.string() + " is missing: run scripts/fetch-models");
  return flipguard::model::load_onnx(p.string());
}

std::vector<float> random_input(const Executor& ex, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> x(static_cast<size_t>(ex.input_size() * ex.batch()));
  for (auto& v : x) v = g(rng);
  return x;
}

std::vector<float> run(Executor& ex, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  ex.run(x.data(), ex.batch(), y.data());
  return y;
}

class WeightLayout : public ::testing::TestWithParam<std::string> {};

TEST_P(WeightLayout, EveryElementReadsBackThroughTheLayoutMap) {
  ExecutorOptions opt;
  opt.batch = 2;
  opt.weights.biases = true;
  Executor ex(load(GetParam()), opt);
  ASSERT_FALSE(ex.weights().empty());
  std::int64_t checked = 0;
  for (const auto& w : ex.weights()) {
    const auto clean = w->clean();
    for (std::int64_t i = 0; i < w->size(); ++i)
      ASSERT_EQ(w->read(i), clean[i]) << w->name() << " element " << i;
    checked += w->size();
  }
  EXPECT_EQ(checked, ex.stored_weight_count());
}

TEST_P(WeightLayout, PatchedRunEqualsRunOfModifiedModelAndRestoreIsExact) {
  // Reference graph: BatchNorm folded first, so its constants are what the executor stores.
  auto graph = load(GetParam());
  flipguard::model::simplify(graph);
  flipguard::model::fold_batchnorm(graph);
  ExecutorOptions opt;
  opt.batch = 3;
  opt.weights.biases = true;
  Executor ex(graph, opt);
  const auto x = random_input(ex, 11);
  const auto clean_out = run(ex, x);

  std::mt19937 rng(5);
  auto modified = graph;
  std::vector<std::pair<flipguard::engine::WeightSlot*, std::vector<std::int64_t>>> touched;
  for (auto& w : ex.weights()) {
    std::vector<std::int64_t> idx;
    std::vector<float> vals;
    for (int k = 0; k < 4; ++k) {
      idx.push_back(static_cast<std::int64_t>(rng() % static_cast<unsigned>(w->size())));
      vals.push_back(std::uniform_real_distribution<float>(-2.f, 2.f)(rng));
    }
    w->write(idx, vals);
    auto& c = modified.constants.at(w->name()).floats;
    for (size_t k = 0; k < idx.size(); ++k) c[static_cast<size_t>(idx[k])] = vals[k];
    touched.emplace_back(w.get(), idx);
  }
  const auto patched_out = run(ex, x);
  Executor reference(modified, opt);
  const auto reference_out = run(reference, x);
  ASSERT_EQ(patched_out.size(), reference_out.size());
  double moved = 0;
  for (size_t i = 0; i < patched_out.size(); ++i) {
    EXPECT_NEAR(patched_out[i], reference_out[i], 1e-5f * (1 + std::abs(reference_out[i]))) << i;
    moved = std::max(moved, static_cast<double>(std::abs(patched_out[i] - clean_out[i])));
  }
  EXPECT_GT(moved, 1e-3) << "patching weights did not change the output: the patch went nowhere";

  for (auto& [w, idx] : touched) w->restore(idx);
  EXPECT_EQ(run(ex, x), clean_out)
      << "restoring the touched elements must give the clean model back bit for bit";
}

INSTANTIATE_TEST_SUITE_P(AssetModels, WeightLayout,
                         ::testing::Values("resnet20", "mobilenet_v1_025", "squeezenet11", "mnist8"),
                         [](const auto& info) { return info.param; });

TEST(WeightSelection, IsAnExplicitChoice) {
  ExecutorOptions opt;
  opt.batch = 1;
  Executor weights_only(load("resnet20"), opt);
  for (const auto& w : weights_only.weights())
    EXPECT_TRUE(w->role() == "conv.weight" || w->role() == "gemm.weight") << w->role();
  opt.weights.biases = true;
  Executor with_biases(load("resnet20"), opt);
  EXPECT_GT(with_biases.weights().size(), weights_only.weights().size());
  opt.weights = {};
  opt.fold_batchnorm = false;
  opt.weights.batchnorm = true;
  Executor unfolded(load("resnet20"), opt);
  int bn = 0;
  for (const auto& w : unfolded.weights()) bn += w->role().starts_with("bn.");
  EXPECT_EQ(bn, 2 * 19) << "ResNet-20 has 19 BatchNorm layers, each with a stored scale and shift";
}

TEST(BatchNormFolding, FoldedAndUnfoldedExecutorsAgree) {
  ExecutorOptions opt;
  opt.batch = 4;
  Executor folded(load("resnet20"), opt);
  opt.fold_batchnorm = false;
  Executor unfolded(load("resnet20"), opt);
  const auto x = random_input(folded, 3);
  const auto a = run(folded, x), b = run(unfolded, x);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4f * (1 + std::abs(b[i])));
}

}  // namespace

namespace {

std::string executor_error(flipguard::model::Graph g) {
  try {
    Executor ex(std::move(g), {});
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ExecutorErrors, UnsupportedOperatorIsNamedAtLoadTime) {
  auto g = load("mnist8");
  g.nodes.at(1).op_type = "FancyOp";
  const auto msg = executor_error(g);
  EXPECT_NE(msg.find("FancyOp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node '" + g.nodes[1].name + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not supported"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mnist8.onnx"), std::string::npos) << msg;
}

TEST(ExecutorErrors, EveryUnsupportedOperatorIsListedAtOnce) {
  auto g = load("mnist8");
  ASSERT_GE(g.nodes.size(), 4u);
  g.nodes[1].op_type = "FancyOp";
  g.nodes[3].op_type = "FancyOp";
  g.nodes[2].op_type = "OtherOp";
  const auto msg = executor_error(g);
  EXPECT_NE(msg.find("2 operator types are not supported"), std::string::npos) << msg;
  EXPECT_NE(msg.find("FancyOp at 2 nodes, first node '" + g.nodes[1].name + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("OtherOp at node '" + g.nodes[2].name + "'"), std::string::npos) << msg;
}

TEST(ExecutorErrors, UnknownAttributeIsRejectedNotIgnored) {
  auto g = load("resnet20");
  for (auto& n : g.nodes)
    if (n.op_type == "Conv") {
      n.attributes["output_padding"] = std::vector<std::int64_t>{1, 1};
      break;
    }
  const auto msg = executor_error(g);
  EXPECT_NE(msg.find("attribute 'output_padding' is not supported"), std::string::npos) << msg;
  auto g2 = load("resnet20");
  for (auto& n : g2.nodes)
    if (n.op_type == "BatchNormalization") {
      n.attributes["training_mode"] = std::int64_t{1};
      break;
    }
  EXPECT_NE(executor_error(g2).find("training_mode=1 is not supported"), std::string::npos)
      << executor_error(g2);
}

TEST(ExecutorErrors, UnsupportedAttributeAndBadShapesAreNamed) {
  auto g = load("resnet20");
  for (auto& n : g.nodes)
    if (n.op_type == "Conv") {
      n.attributes["auto_pad"] = std::string("SOMETIMES");
      break;
    }
  EXPECT_NE(executor_error(g).find("unknown auto_pad 'SOMETIMES'"), std::string::npos) << executor_error(g);
  auto g2 = load("resnet20");
  g2.inputs[0].dims = {1, 3, 8};  // a 3-D input for a 2-D convolution
  EXPECT_NE(executor_error(g2).find("ranks"), std::string::npos) << executor_error(g2);
}

}  // namespace
