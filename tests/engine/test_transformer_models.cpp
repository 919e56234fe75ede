// Small instances of torchvision's VisionTransformer, SwinTransformer, ConvNeXt and ShuffleNetV2 and a small
// text transformer (token ids in, causal mask, LM head), exported at build time with PyTorch's logits
// (tests/engine/export_transformers.py, opset 13 and 17, dynamic batch): the engine must load each one and
// reproduce PyTorch's logits to 1e-4 of the logit scale with the same argmax. Their weight matrices,
// embedding tables and LayerNorm parameters are stored weights that a trial patches through the layout map.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "engine/executor.hpp"
#include "model/constant_folding.hpp"
#include "model/onnx_loader.hpp"
#include "model/passes.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

fs::path models_dir() {
  return FLIPGUARD_TEST_MODELS;
}

// A little-endian C-order .npy file of float32 ('<f4') or int64 ('<i8').
struct Npy {
  std::vector<long> shape;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
};

Npy read_npy(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error(p.string() + ": cannot open");
  char magic[8];
  f.read(magic, 8);
  if (std::string(magic, 6) != "\x93NUMPY") throw std::runtime_error(p.string() + ": not a .npy file");
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    std::uint16_t h;
    f.read(reinterpret_cast<char*>(&h), 2);
    header_len = h;
  } else {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, ' ');
  f.read(header.data(), header_len);
  Npy n;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'shape': \\(([0-9, ]*)\\)")))
    throw std::runtime_error(p.string() + ": no shape");
  const std::string dims = m[1];
  long count = 1;
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    n.shape.push_back(std::stol(it->str()));
    count *= n.shape.back();
  }
  if (header.find("'<f4'") != std::string::npos) {
    n.floats.resize(static_cast<size_t>(count));
    f.read(reinterpret_cast<char*>(n.floats.data()), count * 4);
  } else if (header.find("'<i8'") != std::string::npos) {
    n.ints.resize(static_cast<size_t>(count));
    f.read(reinterpret_cast<char*>(n.ints.data()), count * 8);
  } else {
    throw std::runtime_error(p.string() + ": expected float32 or int64, header " + header);
  }
  if (!f) throw std::runtime_error(p.string() + ": truncated");
  return n;
}

class TransformerModels : public ::testing::TestWithParam<std::string> {};

TEST_P(TransformerModels, MatchPyTorch) {
  const std::string name = GetParam();
  const fs::path onnx = models_dir() / (name + ".onnx");
  if (!fs::exists(models_dir() / "stamp"))
    GTEST_SKIP()
        << "the test models were not exported (needs /usr/bin/python3 with torch, torchvision, onnx)";
  const Npy input = read_npy(models_dir() / (name + ".input.npy"));
  const Npy ref = read_npy(models_dir() / (name + ".logits.npy"));
  ExecutorOptions opt;
  opt.batch = static_cast<int>(input.shape.at(0));
  opt.threads = 2;
  Executor ex(flipguard::model::load_onnx(onnx.string()), opt);
  ASSERT_EQ(ex.output_size() * ex.batch(), static_cast<std::int64_t>(ref.floats.size()));
  std::vector<float> got(ref.floats.size(), NAN);
  if (ex.integer_input()) {
    ex.run(input.ints.data(), ex.batch(), got.data());
  } else {
    ex.run(input.floats.data(), ex.batch(), got.data());
  }
  double max_diff = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(double(got[i]) - ref.floats[i]));
    scale = std::max(scale, std::abs(double(ref.floats[i])));
  }
  RecordProperty("max_abs_diff", std::to_string(max_diff));
  EXPECT_LE(max_diff, 1e-4 * std::max(1.0, scale)) << name << ": logit scale " << scale;
  // Argmax of every row of classes (every position of the text model).
  const auto classes = static_cast<size_t>(ref.shape.back());
  for (size_t r = 0; r < got.size() / classes; ++r) {
    const auto g = got.begin() + static_cast<std::ptrdiff_t>(r * classes);
    const auto e = ref.floats.begin() + static_cast<std::ptrdiff_t>(r * classes);
    EXPECT_EQ(std::max_element(g, g + static_cast<std::ptrdiff_t>(classes)) - g,
              std::max_element(e, e + static_cast<std::ptrdiff_t>(classes)) - e)
        << name << " row " << r;
  }
}

std::vector<float> run(Executor& ex, const Npy& input) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()), NAN);
  if (ex.integer_input()) {
    ex.run(input.ints.data(), ex.batch(), y.data());
  } else {
    ex.run(input.floats.data(), ex.batch(), y.data());
  }
  return y;
}

TEST_P(TransformerModels, StoredWeightsPatchLikeAModifiedModel) {
  const std::string name = GetParam();
  if (!fs::exists(models_dir() / "stamp")) GTEST_SKIP() << "the test models were not exported";
  const Npy input = read_npy(models_dir() / (name + ".input.npy"));
  // The reference graph after the executor's own load-time passes, so its constants are what it stores.
  auto graph = flipguard::model::load_onnx((models_dir() / (name + ".onnx")).string());
  flipguard::model::simplify(graph);
  flipguard::model::Dims dims(input.shape.begin(), input.shape.end());
  flipguard::model::fold_constants(graph, {{graph.inputs.at(0).name, dims}});
  flipguard::model::fold_batchnorm(graph);
  ExecutorOptions opt;
  opt.batch = static_cast<int>(input.shape.at(0));
  opt.threads = 2;
  opt.weights.biases = true;
  opt.weights.layernorm = true;
  Executor ex(graph, opt);
  std::set<std::string> roles;
  for (const auto& w : ex.weights()) {
    roles.insert(w->role());
    const auto clean = w->clean();
    for (std::int64_t i = 0; i < w->size(); ++i) ASSERT_EQ(w->read(i), clean[i]) << w->name() << " " << i;
  }
  if (!name.starts_with("shufflenet")) {  // the one CNN without either
    EXPECT_TRUE(roles.count("matmul.weight")) << name << ": the projections are stored weights";
    EXPECT_TRUE(roles.count("layernorm.scale") && roles.count("layernorm.bias")) << name;
  }
  if (name.starts_with("textlm")) {
    EXPECT_TRUE(roles.count("gather.table")) << "token and position embeddings";
  }
  const auto clean_out = run(ex, input);

  std::mt19937 rng(7);
  auto modified = graph;
  std::vector<std::pair<flipguard::engine::WeightSlot*, std::vector<std::int64_t>>> touched;
  for (auto& w : ex.weights()) {
    std::vector<std::int64_t> idx;
    std::vector<float> vals;
    for (int k = 0; k < 3; ++k) {
      idx.push_back(static_cast<std::int64_t>(rng() % static_cast<unsigned>(w->size())));
      vals.push_back(std::uniform_real_distribution<float>(-2.f, 2.f)(rng));
    }
    w->write(idx, vals);
    auto& c = modified.constants.at(w->name()).floats;
    for (size_t k = 0; k < idx.size(); ++k) c[static_cast<size_t>(idx[k])] = vals[k];
    touched.emplace_back(w.get(), idx);
  }
  const auto patched_out = run(ex, input);
  Executor reference(modified, opt);
  const auto reference_out = run(reference, input);
  double moved = 0;
  for (size_t i = 0; i < patched_out.size(); ++i) {
    EXPECT_NEAR(patched_out[i], reference_out[i], 1e-4f * (1 + std::abs(reference_out[i])))
        << name << " " << i;
    moved = std::max(moved, static_cast<double>(std::abs(patched_out[i] - clean_out[i])));
  }
  EXPECT_GT(moved, 1e-3) << "patching weights did not change the output";
  for (auto& [w, idx] : touched) w->restore(idx);
  EXPECT_EQ(run(ex, input), clean_out) << "restoring must give the clean model back bit for bit";
}

INSTANTIATE_TEST_SUITE_P(Exported, TransformerModels,
                         ::testing::Values("vit_op13", "vit_op17", "swin_op13", "swin_op17", "convnext_op13",
                                           "convnext_op17", "shufflenet_op13", "shufflenet_op17",
                                           "textlm_op13", "textlm_op17"),
                         [](const auto& info) { return info.param; });

}  // namespace
