// Random tensors for executor tests on small hand-written graphs, and the check that a batched executor
// computes for each image what an executor of batch 1 computes for it alone (where the two are built with
// different layouts or kernels: in-place Concats at batch 1, the blocked residual path at batch > 1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/executor.hpp"

namespace flipguard::testing {

// `count` normal values (mean 0, standard deviation `stddev`) from `seed`.
inline std::vector<float> normal(std::size_t count, unsigned seed, float stddev = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, stddev);
  std::vector<float> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

// Runs a random full batch through `batched` and each of its images through `single` (batch 1) alone; the
// outputs must agree to 1e-4 relative. `largest`, if given, receives the largest magnitude compared, so a
// caller can refuse a vacuous all-zero comparison.
inline void expect_each_image_matches(engine::Executor& single, engine::Executor& batched, unsigned seed,
                                      double* largest = nullptr) {
  const auto images = static_cast<std::size_t>(batched.batch());
  const auto in_size = static_cast<std::size_t>(single.input_size());
  const auto x = normal(images * in_size, seed);
  std::vector<float> y1(static_cast<std::size_t>(single.output_size())), y2(images * y1.size());
  batched.run(x.data(), batched.batch(), y2.data());
  double biggest = 0;
  for (std::size_t image = 0; image < images; ++image) {
    single.run(x.data() + image * in_size, 1, y1.data());
    for (std::size_t i = 0; i < y1.size(); ++i) {
      const float want = y2[image * y1.size() + i];
      ASSERT_NEAR(y1[i], want, 1e-4f * (1 + std::abs(want))) << "image " << image << " element " << i;
      biggest = std::max(biggest, static_cast<double>(std::abs(want)));
    }
  }
  if (largest) *largest = biggest;
}

}  // namespace flipguard::testing
