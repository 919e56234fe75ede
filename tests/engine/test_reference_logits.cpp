// Cross-check of every converted asset model against an independent reference: the same ONNX file run by
// a small torch interpreter with PIL preprocessing (scripts/reference/onnx_reference.py), on real images.
// This checks the engine (and the C++ preprocessing) end to end; the conversions themselves are checked by
// the accuracies in MANIFEST.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "data/datasets/dataset_registry.hpp"
#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;

namespace {

fs::path source_dir() {
  return FLIPGUARD_SOURCE_DIR;
}

// Reads a little-endian float32 C-order .npy file.
std::vector<float> read_npy(const fs::path& p, std::vector<long>& shape) {
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
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(p.string() + ": expected C-order float32, header " + header);
  std::smatch m;
  std::regex shape_re("'shape': \\(([0-9, ]*)\\)");
  if (!std::regex_search(header, m, shape_re)) throw std::runtime_error(p.string() + ": no shape in header");
  std::string dims = m[1];
  long count = 1;
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    shape.push_back(std::stol(it->str()));
    count *= shape.back();
  }
  std::vector<float> v(static_cast<size_t>(count));
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
  if (!f) throw std::runtime_error(p.string() + ": truncated");
  return v;
}

class ReferenceLogits : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceLogits, EngineMatchesTorchReference) {
  const std::string name = GetParam();
  const fs::path sidecar = source_dir() / "models" / (name + ".json");
  ASSERT_TRUE(fs::exists(sidecar)) << sidecar << " is missing: run scripts/fetch-models";
  const auto spec = flipguard::data::load_manifest(sidecar);
  const std::vector<std::size_t> indices{0, 1, 2, 3, 5, 8};
  const fs::path out = flipguard::testing::scratch_path("ref_" + name + ".npy");
  const std::string cmd =
      "/usr/bin/python3 " + (source_dir() / "scripts/reference/onnx_reference.py").string() +
      " logits --model " + sidecar.string() + " --indices 0,1,2,3,5,8 --out " + out.string() + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::vector<long> shape;
  const auto ref = read_npy(out, shape);
  fs::remove(out);
  ASSERT_EQ(shape.size(), 2u);
  ASSERT_EQ(shape[0], static_cast<long>(indices.size()));

  flipguard::data::BatchLoader loader(
      std::shared_ptr<const flipguard::data::Dataset>(
          flipguard::data::open_dataset(spec.dataset, flipguard::data::resolve_assets_dir())),
      spec);
  std::vector<float> input(indices.size() * loader.sample_floats());
  std::vector<int> targets(indices.size());
  loader.fill_indices(indices, input.data(), targets.data());
  flipguard::engine::ExecutorOptions opt;
  opt.batch = static_cast<int>(indices.size());
  flipguard::engine::Executor ex(flipguard::model::load_onnx(spec.onnx_path().string()), opt);
  ASSERT_EQ(ex.output_size(), shape[1]);
  std::vector<float> got(ref.size());
  ex.run(input.data(), opt.batch, got.data());

  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::abs(got[i] - ref[i])));
    max_ref = std::max(max_ref, static_cast<double>(std::abs(ref[i])));
  }
  std::printf("%s: max |logit difference| %.3g over %zu images (max |logit| %.3g)\n", name.c_str(), max_diff,
              indices.size(), max_ref);
  RecordProperty("max_abs_diff", std::to_string(max_diff));
  // fp32 with different summation orders (oneDNN's blocked kernels vs torch): agreement to ~1e-5 relative is
  // typical; 1e-3 of the logit scale still catches any real error (a wrong pad or layout moves logits by
  // O(1)).
  EXPECT_LE(max_diff, 1e-3 * std::max(1.0, max_ref)) << name;
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto row_got = std::span<const float>(got).subspan(i * shape[1], shape[1]);
    const auto row_ref = std::span<const float>(ref).subspan(i * shape[1], shape[1]);
    EXPECT_EQ(std::max_element(row_got.begin(), row_got.end()) - row_got.begin(),
              std::max_element(row_ref.begin(), row_ref.end()) - row_ref.begin())
        << name << " image " << indices[i];
  }
}

INSTANTIATE_TEST_SUITE_P(AssetModels, ReferenceLogits,
                         ::testing::Values("resnet50", "squeezenet11", "mobilenet_v1_025", "mobilenet_v2_100",
                                           "resnet20", "resnet32", "resnet44", "resnet56", "mnist8"),
                         [](const auto& info) { return info.param; });

}  // namespace
