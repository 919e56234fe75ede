// The fortune language model trained by scripts/lm/train_lm.py (trained/fortune-lm/): the engine must load
// the committed ONNX (its sequence dimension pinned to the committed validation batch's length) and reproduce
// PyTorch's logits for that batch to 1e-4 of the logit scale, and the batch's mean next-token negative log
// likelihood to 1e-5 relative. The export must hold the tied token embedding once, read by both the embedding
// Gather and the head, and be the file its sidecar names by hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/codecs/npy_array.hpp"
#include "engine/executor.hpp"
#include "hashing/sha256.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

fs::path lm_dir() {
  return flipguard::testing::source_dir() / "trained" / "fortune-lm";
}

flipguard::data::NpyArray read_npy(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error(p.string() + ": cannot open");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return flipguard::data::parse_npy(std::move(bytes), p.string());
}

template <typename T>
std::vector<T> elements(const flipguard::data::NpyArray& a, const std::string& dtype) {
  if (a.dtype() != dtype) throw std::runtime_error("expected " + dtype + ", found " + a.dtype());
  std::vector<T> v(static_cast<size_t>(a.elements()));
  std::memcpy(v.data(), a.data.data(), v.size() * sizeof(T));
  return v;
}

std::string precise(double x) {
  std::ostringstream s;
  s << std::setprecision(10) << x;
  return s.str();
}

nlohmann::json sidecar() {
  std::ifstream f(lm_dir() / "model.json");
  if (!f) throw std::runtime_error((lm_dir() / "model.json").string() + ": cannot open");
  return nlohmann::json::parse(f);
}

class SmallLm : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto ids_npy = read_npy(lm_dir() / "val_batch.ids.npy");
    const auto logits_npy = read_npy(lm_dir() / "val_batch.logits.npy");
    ASSERT_EQ(ids_npy.shape.size(), 2u);
    ASSERT_EQ(logits_npy.shape.size(), 3u);
    rows = ids_npy.shape[0];
    length = ids_npy.shape[1];
    vocab = logits_npy.shape[2];
    ASSERT_EQ(logits_npy.shape[0], rows);
    ASSERT_EQ(logits_npy.shape[1], length);
    ids = elements<std::int64_t>(ids_npy, "int64");
    ref = elements<float>(logits_npy, "float32");
  }

  // The engine's logits for the batch: the ONNX declares [batch, sequence] with both symbolic, and the
  // engine fixes every dimension but the batch at load time, so the sequence is pinned to the batch's.
  std::vector<float> engine_logits() const {
    auto graph = flipguard::model::load_onnx((lm_dir() / "model.onnx").string());
    EXPECT_EQ(graph.inputs.at(0).name, "input_ids");
    EXPECT_LE(graph.inputs.at(0).dims.at(1), 0) << "the sequence dimension is exported dynamic";
    graph.inputs.at(0).dims = {rows, length};
    ExecutorOptions opt;
    opt.batch = static_cast<int>(rows);
    opt.threads = 2;
    Executor ex(std::move(graph), opt);
    EXPECT_TRUE(ex.integer_input());
    EXPECT_EQ(ex.output_size(), length * vocab);
    std::vector<float> got(ref.size(), NAN);
    ex.run(ids.data(), static_cast<int>(rows), got.data());
    return got;
  }

  // Mean over rows and positions t < length - 1 of -log softmax(logits[r, t])[ids[r, t + 1]], in double.
  double mean_nll(const std::vector<float>& logits) const {
    double total = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t t = 0; t + 1 < length; ++t) {
        const float* z = logits.data() + (r * length + t) * vocab;
        const double top = *std::max_element(z, z + vocab);
        double sum = 0;
        for (std::int64_t v = 0; v < vocab; ++v) sum += std::exp(double(z[v]) - top);
        const auto target = ids[static_cast<size_t>(r * length + t + 1)];
        total += std::log(sum) + top - double(z[target]);
      }
    }
    return total / double(rows * (length - 1));
  }

  std::int64_t rows = 0, length = 0, vocab = 0;
  std::vector<std::int64_t> ids;
  std::vector<float> ref;
};

TEST_F(SmallLm, EngineMatchesPyTorchLogits) {
  const auto got = engine_logits();
  double max_diff = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(double(got[i]) - ref[i]));
    scale = std::max(scale, std::abs(double(ref[i])));
  }
  RecordProperty("max_abs_diff", precise(max_diff));
  RecordProperty("logit_scale", precise(scale));
  EXPECT_GT(scale, 1.0) << "a trained model's logits";
  EXPECT_LE(max_diff, 1e-4 * scale) << "logit scale " << scale;
  // The same next token wherever PyTorch's choice is clear of the tolerance.
  int compared = 0;
  for (std::int64_t row = 0; row < rows * length; ++row) {
    const auto e = ref.begin() + row * vocab;
    const auto g = got.begin() + row * vocab;
    std::vector<float> sorted(e, e + vocab);
    std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
    if (sorted[0] - sorted[1] <= 2e-4 * scale) continue;
    ++compared;
    EXPECT_EQ(std::max_element(g, g + vocab) - g, std::max_element(e, e + vocab) - e) << "position " << row;
  }
  EXPECT_GT(compared, rows * length * 9 / 10);
}

TEST_F(SmallLm, EngineMeanNllMatchesPyTorch) {
  const double expected = sidecar().at("test_batch").at("mean_nll").get<double>();
  EXPECT_NEAR(mean_nll(ref), expected, 1e-9 * expected) << "the committed logits give the sidecar's NLL";
  const double got = mean_nll(engine_logits());
  RecordProperty("engine_mean_nll", precise(got));
  RecordProperty("pytorch_mean_nll", precise(expected));
  EXPECT_NEAR(got, expected, 1e-5 * expected);
  EXPECT_LT(expected, std::log(double(vocab)) - 1) << "well below a uniform guess";
}

TEST_F(SmallLm, TiedHeadIsOneStoredTable) {
  const auto graph = flipguard::model::load_onnx((lm_dir() / "model.onnx").string());
  const auto meta = sidecar();
  const auto width = meta.at("width").get<std::int64_t>();
  ASSERT_EQ(meta.at("vocab").get<std::int64_t>(), vocab);
  EXPECT_TRUE(meta.at("tied_head").get<bool>());
  std::vector<std::string> tables;
  for (const auto& [name, c] : graph.constants)
    if (c.is_float() && c.dims.size() == 2 && c.dims[0] * c.dims[1] == vocab * width) tables.push_back(name);
  ASSERT_EQ(tables, std::vector<std::string>{"tok.weight"}) << "one copy of the vocab x width table";
  std::set<std::string> readers;
  for (const auto& n : graph.nodes)
    if (std::find(n.inputs.begin(), n.inputs.end(), "tok.weight") != n.inputs.end())
      readers.insert(n.op_type);
  EXPECT_EQ(readers, (std::set<std::string>{"Gather", "Transpose"})) << "the embedding and the head";
}

TEST_F(SmallLm, SidecarNamesTheCommittedFile) {
  const auto meta = sidecar();
  EXPECT_EQ(flipguard::hashing::sha256_of_file(lm_dir() / meta.at("onnx").get<std::string>()),
            meta.at("sha256").get<std::string>());
  EXPECT_EQ(meta.at("context").get<std::int64_t>(), length);
}

}  // namespace
