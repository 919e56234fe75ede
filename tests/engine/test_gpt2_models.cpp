// GPT-2-shaped causal language models (tests/engine/export_gpt2.py, exported at build time with PyTorch's
// logits): tiny ones at opset 13 and 17 with the tanh GELU of GPT-2 and the exact erf GELU, the causal
// mask built in the graph three ways, and a 2-layer model of GPT-2's width (vocab 50257). The sequence
// dimension is symbolic in the files: the engine fixes it at load from the graph input's declared dims,
// which a caller sets (as the CLI sets an image size), so each length builds an executor of its own.
// Logits must match PyTorch's to 1e-4 of the logit scale, with the same argmax wherever the reference's
// top two are apart by more than that. The head is tied to the token table: one stored weight, whose
// faults reach both the embedding and the head.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using flipguard::engine::Executor;
using flipguard::engine::ExecutorOptions;

namespace {

fs::path models_dir() {
  return fs::path(FLIPGUARD_TEST_MODELS) / "gpt2";
}

bool exported() {
  return fs::exists(models_dir() / "stamp");
}

// A little-endian C-order .npy file of float32 ('<f4') or int64 ('<i8').
struct Npy {
  std::vector<std::int64_t> shape;
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
  std::int64_t count = 1;
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

// The model with its sequence length fixed: the executor sizes everything from the input's declared dims.
flipguard::model::Graph load_at(const std::string& model, std::int64_t length) {
  auto g = flipguard::model::load_onnx((models_dir() / (model + ".onnx")).string());
  g.inputs.at(0).dims.at(1) = length;
  return g;
}

std::vector<float> run(Executor& ex, const std::vector<std::int64_t>& ids) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()), NAN);
  ex.run(ids.data(), ex.batch(), y.data());
  return y;
}

struct Case {
  std::string model;
  int batch, length;
};

std::string case_name(const Case& c) {
  return c.model + "_b" + std::to_string(c.batch) + "_t" + std::to_string(c.length);
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << case_name(c);
}

class Gpt2Models : public ::testing::TestWithParam<Case> {};

TEST_P(Gpt2Models, MatchPyTorch) {
  if (!exported())
    GTEST_SKIP() << "the GPT-2 test models were not exported (needs /usr/bin/python3 with torch)";
  const Case c = GetParam();
  const std::string stem = c.model + ".b" + std::to_string(c.batch) + "_t" + std::to_string(c.length);
  const Npy ids = read_npy(models_dir() / (stem + ".input.npy"));
  const Npy ref = read_npy(models_dir() / (stem + ".logits.npy"));
  ASSERT_EQ(ids.shape, (std::vector<std::int64_t>{c.batch, c.length}));
  ExecutorOptions opt;
  opt.batch = c.batch;
  opt.threads = 2;
  Executor ex(load_at(c.model, c.length), opt);
  ASSERT_TRUE(ex.integer_input());
  ASSERT_EQ(ex.output_dims(), (flipguard::model::Dims{c.batch, c.length, ref.shape.back()}));
  const auto got = run(ex, ids.ints);
  ASSERT_EQ(got.size(), ref.floats.size());
  double max_diff = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(double(got[i]) - ref.floats[i]));
    scale = std::max(scale, std::abs(double(ref.floats[i])));
  }
  const double tolerance = 1e-4 * scale;
  RecordProperty("max_relative_diff", std::to_string(max_diff / scale));
  std::printf("%s: max |diff| %.3g, logit scale %.3g, relative %.3g\n", case_name(c).c_str(), max_diff, scale,
              max_diff / scale);
  EXPECT_LE(max_diff, tolerance) << case_name(c) << ": logit scale " << scale;
  EXPECT_EQ(ex.faithful_runs(), 0) << "a clean run met a NaN (the mask's fill must not make one)";
  // The next-token argmax at every position, where the reference's top two are apart.
  const auto vocab = static_cast<size_t>(ref.shape.back());
  int compared = 0;
  for (size_t r = 0; r < got.size() / vocab; ++r) {
    const auto e = ref.floats.begin() + static_cast<std::ptrdiff_t>(r * vocab);
    std::vector<float> row(e, e + static_cast<std::ptrdiff_t>(vocab));
    std::partial_sort(row.begin(), row.begin() + 2, row.end(), std::greater<>());
    if (row[0] - row[1] <= 2 * tolerance) continue;
    const auto g = got.begin() + static_cast<std::ptrdiff_t>(r * vocab);
    EXPECT_EQ(std::max_element(g, g + static_cast<std::ptrdiff_t>(vocab)) - g,
              std::max_element(e, e + static_cast<std::ptrdiff_t>(vocab)) - e)
        << case_name(c) << " position " << r;
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (const char* m :
       {"gpt2_tiny_tanh_op13", "gpt2_tiny_tanh_op17", "gpt2_tiny_erf_op13", "gpt2_tiny_erf_op17"})
    for (int b : {1, 3})
      for (int t : {1, 7, 64}) v.push_back({m, b, t});
  v.push_back({"gpt2_wide_op17", 1, 64});
  v.push_back({"gpt2_wide_op17", 3, 7});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Exported, Gpt2Models, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return case_name(info.param); });

// The token table is one stored weight read by the embedding and by the head: a fault in it must reach both,
// as in a model whose one table holds the faulty value. Positions 1 and 3 of the sequence read the table
// through the embedding; every position reads all of it through the head.
TEST(Gpt2TiedHead, OneStoredTableReachesEmbeddingAndHead) {
  if (!exported()) GTEST_SKIP() << "the GPT-2 test models were not exported";
  const std::string model = "gpt2_tiny_tanh_op17";
  const Npy ids = read_npy(models_dir() / (model + ".b3_t7.input.npy"));
  ExecutorOptions opt;
  opt.batch = 3;
  opt.threads = 2;
  Executor ex(load_at(model, 7), opt);
  flipguard::engine::WeightSlot* table = nullptr;
  int tables = 0;
  for (auto& w : ex.weights())
    if (w->dims() == flipguard::model::Dims{97, 32}) {
      table = w.get();
      ++tables;
    }
  ASSERT_EQ(tables, 1) << "the tied token table must be one stored weight";
  EXPECT_EQ(table->role(), "gather.table");
  const auto clean = run(ex, ids.ints);

  // The table changed in the file: a reference executor built from the modified graph.
  std::mt19937 rng(3);
  std::vector<std::int64_t> idx;
  std::vector<float> vals;
  // The row of the first token (read by the embedding), and rows no input reads (the head only).
  const std::int64_t token = ids.ints[0];
  for (std::int64_t j = 0; j < 32; j += 5) {
    idx.push_back(token * 32 + j);
    vals.push_back(std::uniform_real_distribution<float>(-3.f, 3.f)(rng));
  }
  for (std::int64_t row = 0; row < 97; ++row) {
    if (std::find(ids.ints.begin(), ids.ints.end(), row) != ids.ints.end()) continue;
    idx.push_back(row * 32 + 7);
    vals.push_back(4.f);
    break;
  }
  table->write(idx, vals);
  const auto patched = run(ex, ids.ints);
  auto modified = load_at(model, 7);
  auto& data = modified.constants.at(table->name()).floats;
  for (size_t k = 0; k < idx.size(); ++k) data[static_cast<size_t>(idx[k])] = vals[k];
  Executor reference(modified, opt);
  const auto expected = run(reference, ids.ints);
  double moved = 0;
  for (size_t i = 0; i < patched.size(); ++i) {
    EXPECT_NEAR(patched[i], expected[i], 1e-4f * (1 + std::abs(expected[i]))) << i;
    moved = std::max(moved, double(std::abs(patched[i] - clean[i])));
  }
  EXPECT_GT(moved, 1e-2);
  table->restore(idx);
  EXPECT_EQ(run(ex, ids.ints), clean) << "restoring must give the clean model back bit for bit";
}

// A symbolic sequence dimension left unset is refused at load with what to do about it.
TEST(Gpt2Models, UnsetSequenceLengthIsAClearError) {
  if (!exported()) GTEST_SKIP() << "the GPT-2 test models were not exported";
  const auto g = flipguard::model::load_onnx((models_dir() / "gpt2_tiny_erf_op13.onnx").string());
  ASSERT_LT(g.inputs.at(0).dims.at(1), 1);
  try {
    Executor ex(g, {});
    FAIL() << "built with a symbolic sequence length";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("sequence length"), std::string::npos) << e.what();
  }
}

}  // namespace
