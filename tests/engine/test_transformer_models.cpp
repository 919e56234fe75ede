// Small instances of torchvision's VisionTransformer, SwinTransformer, ConvNeXt and ShuffleNetV2 and a small
// text transformer (token ids in, causal mask, LM head), exported at build time with PyTorch's logits
// (tests/engine/export_transformers.py, opset 13 and 17, dynamic batch): the engine must load each one and
// reproduce PyTorch's logits to 1e-4 of the logit scale with the same argmax.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

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

INSTANTIATE_TEST_SUITE_P(Exported, TransformerModels,
                         ::testing::Values("vit_op13", "vit_op17", "swin_op13", "swin_op17", "convnext_op13",
                                           "convnext_op17", "shufflenet_op13", "shufflenet_op17",
                                           "textlm_op13", "textlm_op17"),
                         [](const auto& info) { return info.param; });

}  // namespace
