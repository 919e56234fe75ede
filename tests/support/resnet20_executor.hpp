// ResNet-20 on an executor of batch 4 with a fixed random input batch: the fixture the fault-site tests run
// their configurations on, and the bitwise comparison of two runs' logits they assert with.
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

namespace flipguard::testing {

struct ResNet20Executor {
  engine::Executor ex;
  std::vector<float> input, out;
  // `seed` draws the input batch (standard normal values).
  explicit ResNet20Executor(unsigned seed = 5, const engine::ExecutorOptions& eo = options())
      : ex(model::load_onnx((models_dir() / "resnet20.onnx").string()), eo) {
    input.resize(static_cast<std::size_t>(ex.batch() * ex.input_size()));
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    for (auto& x : input) x = normal(rng);
    out.resize(static_cast<std::size_t>(ex.batch() * ex.output_size()));
  }
  static engine::ExecutorOptions options() {
    engine::ExecutorOptions eo;
    eo.batch = 4;
    return eo;
  }
  // The logits of the input batch as the executor computes them now.
  std::vector<float> run() {
    ex.run(input.data(), ex.batch(), out.data());
    return out;
  }
};

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace flipguard::testing
