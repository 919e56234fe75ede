// Running a batch's prefix once and its suffix many times from a snapshot of the values live at the cut
// must compute exactly what a full forward pass computes: at every cut point (including those inside
// residual blocks, where the skip value is live and later overwritten in place), with clean weights and
// with weights of the suffix patched between runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

flipguard::model::Graph load(const std::string& name) {
  const auto p = fs::path(FLIPGUARD_SOURCE_DIR) / "models" / (name + ".onnx");
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

// `count` < batch exercises the zero padding of a partial last batch.
std::vector<float> full(Executor& ex, const std::vector<float>& x, int count) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * count));
  ex.run(x.data(), count, y.data());
  return y;
}

std::vector<float> suffix(Executor& ex, int count) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * count));
  ex.run_suffix(y.data());
  return y;
}

// SqueezeNet (Concat, plain C++ layers) at 224x224 is slow on small machines: every `stride`-th cut or
// weight.
struct ModelCase {
  const char* name;
  size_t stride;
  friend void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }
};

class RunFromCut : public ::testing::TestWithParam<ModelCase> {};

TEST_P(RunFromCut, SuffixFromSnapshotEqualsFullForwardAtEveryCut) {
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(load(GetParam().name), opt);
  const int count = 1;
  const auto x = random_input(ex, 3), other = random_input(ex, 4);
  const auto expected = full(ex, x, count);
  const auto cuts = ex.cut_points();
  ASSERT_GT(cuts.size(), 5u);
  EXPECT_EQ(cuts.front(), 0);
  size_t most_live = 0;
  for (size_t i = 0; i < cuts.size(); i += GetParam().stride) {
    const int cut = cuts[i];
    ex.run_prefix(x.data(), count, cut);
    most_live = std::max(most_live, ex.snapshot_bytes());
    EXPECT_EQ(suffix(ex, count), expected) << "cut before layer " << cut;
    // The suffix overwrites buffers it reads (in-place sums, reused blocks): the restore must undo that.
    EXPECT_EQ(suffix(ex, count), expected) << "second suffix run from the cut before layer " << cut;
    // A full run of other images in between leaves the snapshot intact.
    full(ex, other, count);
    EXPECT_EQ(suffix(ex, count), expected) << "suffix after another batch, cut before layer " << cut;
  }
  // Inside a residual block the skip value is live beside the main path: more than the input is kept.
  EXPECT_GT(most_live, static_cast<size_t>(ex.input_size() * ex.batch()) * sizeof(float));
}

TEST_P(RunFromCut, PatchedSuffixWeightsEqualAFullRunWithThem) {
  ExecutorOptions opt;
  opt.batch = 2;
  Executor ex(load(GetParam().name), opt);
  const auto x = random_input(ex, 7);
  const auto clean = full(ex, x, 2);
  std::mt19937 rng(11);
  int checked = 0;
  for (size_t k = 0; k < ex.weights().size(); k += GetParam().stride) {
    auto& w = ex.weights()[k];
    const int cut = ex.cut_before(w->name());
    ex.run_prefix(x.data(), 2, cut);  // clean weights everywhere
    std::vector<std::int64_t> idx;
    std::vector<float> vals;
    for (int k = 0; k < 8; ++k) {
      idx.push_back(static_cast<std::int64_t>(rng() % static_cast<unsigned>(w->size())));
      vals.push_back(std::uniform_real_distribution<float>(-4.f, 4.f)(rng));
    }
    w->write(idx, vals);
    const auto faulty = suffix(ex, 2);
    EXPECT_EQ(faulty, full(ex, x, 2)) << w->name() << ": suffix after the patch differs from a full run";
    EXPECT_NE(faulty, clean) << w->name() << ": the patch changed nothing, the test proves nothing";
    w->restore(idx);
    EXPECT_EQ(suffix(ex, 2), clean) << w->name() << ": suffix after the restore";
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(AssetModels, RunFromCut,
                         ::testing::Values(ModelCase{"resnet20", 1}, ModelCase{"squeezenet11", 4},
                                           ModelCase{"mobilenet_v1_025", 1}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RunFromCut, CutBeforeAWeightPrecedesEveryLayerReadingIt) {
  Executor ex(load("resnet20"));
  const auto cuts = ex.cut_points();
  int previous = -1;
  for (auto& w : ex.weights()) {
    const int cut = ex.cut_before(w->name());
    EXPECT_TRUE(std::binary_search(cuts.begin(), cuts.end(), cut)) << w->name();
    EXPECT_GT(cut, previous) << w->name() << ": weights are read in graph order";
    previous = cut;
  }
  EXPECT_THROW(ex.cut_before("no.such.weight"), std::out_of_range);
}

TEST(RunFromCut, BadUseIsAnErrorNotACrash) {
  Executor ex(load("resnet20"));
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  EXPECT_THROW(ex.run_suffix(y.data()), std::logic_error);
  const auto x = random_input(ex, 1);
  const auto cuts = ex.cut_points();
  int not_a_cut = -1;
  for (int k = 1; k < ex.layer_count() && not_a_cut < 0; ++k)
    if (!std::binary_search(cuts.begin(), cuts.end(), k)) not_a_cut = k;
  ASSERT_GE(not_a_cut, 0) << "resnet20 has reorder layers sharing a node with their convolution";
  EXPECT_THROW(ex.run_prefix(x.data(), ex.batch(), not_a_cut), std::invalid_argument);
  EXPECT_THROW(ex.run_prefix(x.data(), ex.batch(), ex.layer_count() + 1), std::invalid_argument);
  EXPECT_THROW(ex.run_prefix(x.data(), 0, 0), std::invalid_argument);
}

}  // namespace
