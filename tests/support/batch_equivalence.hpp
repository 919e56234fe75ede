// Random tensors and convolutions for executor tests on small hand-written graphs, and the check that a
// batched executor computes for each image what an executor of batch 1 computes for it alone (where the two
// are built with different layouts or kernels: in-place Concats at batch 1, the blocked residual path at
// batch > 1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "support/graph_nodes.hpp"

namespace flipguard::testing {

// `count` normal values (mean 0, standard deviation `stddev`) from `seed`.
inline std::vector<float> normal(std::size_t count, unsigned seed, float stddev = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, stddev);
  std::vector<float> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

// A Conv node `out` of `in` (c_in -> c_out channels, k x k, "same" padding at stride 1, none at larger
// strides) whose weight "w_<out>" (scaled by 1/sqrt(fan-in)) and bias "b_<out>" are added to `g` as random
// constants, from seeds `seed` and `seed` + 1 (`seed` is advanced past both).
inline model::Node random_conv(model::Graph& g, unsigned& seed, const std::string& in, const std::string& out,
                               std::int64_t c_in, std::int64_t c_out, std::int64_t k,
                               std::int64_t stride = 1) {
  const auto fan_in = static_cast<float>(c_in * k * k);
  g.constants["w_" + out] =
      model::Constant{{c_out, c_in, k, k},
                      normal(static_cast<size_t>(c_out * c_in * k * k), seed++, 1.f / std::sqrt(fan_in)),
                      {}};
  g.constants["b_" + out] = model::Constant{{c_out}, normal(static_cast<size_t>(c_out), seed++, 0.1f), {}};
  auto n = node("Conv", {in, "w_" + out, "b_" + out}, out);
  const std::int64_t pad = stride == 1 ? k / 2 : 0;
  n.attributes["pads"] = std::vector<std::int64_t>{pad, pad, pad, pad};
  if (stride != 1) n.attributes["strides"] = std::vector<std::int64_t>{stride, stride};
  return n;
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
