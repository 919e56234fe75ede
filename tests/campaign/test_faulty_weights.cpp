// Stored weights under scale@logits: exact (no faults: the logits are the plain model's times the product of
// constants) on a positively homogeneous network, and the clean biases put back afterwards. The plan itself
// is tested in tests/model/test_logit_scaling.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "campaign/faulty_weights.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using namespace flipguard;

namespace {

engine::Executor make(const std::string& name) {
  engine::ExecutorOptions opt;
  opt.batch = 2;
  opt.weights.biases = true;
  return engine::Executor(
      model::load_onnx((fs::path(FLIPGUARD_SOURCE_DIR) / "models" / (name + ".onnx")).string()), opt);
}

std::vector<float> run(engine::Executor& ex, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(ex.output_size() * ex.batch()));
  ex.run(x.data(), ex.batch(), y.data());
  return y;
}

TEST(LogitScaling, WithoutFaultsLogitsAreThePlainModelsTimesTheProduct) {
  auto plain = make("squeezenet11");
  auto scaled = make("squeezenet11");
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.f, 40.f);
  std::vector<float> x(static_cast<size_t>(plain.input_size() * plain.batch()));
  for (auto& v : x) v = g(rng);
  const auto want = run(plain, x);
  auto slots = campaign::select_slots(scaled.weights(), "all");
  double product;
  std::vector<float> got;
  {
    campaign::FaultyWeights fw(scaled, slots, "fp32", "scale@logits");
    product = fw.output_scale();
    got = run(scaled, x);
  }
  // 26 layers with c = 1.9999999 / max|W| each: the product is far from 1, so an unscaled bias would show.
  EXPECT_GT(std::abs(std::log10(product)), 3.0) << product;
  double worst = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] / product - want[i]));
    scale = std::max(scale, static_cast<double>(std::abs(want[i])));
  }
  EXPECT_LE(worst, 1e-4 * scale) << "max |logits/product - plain logits| " << worst;
  // Destroying the configuration put the clean biases back.
  EXPECT_EQ(run(scaled, x), want);
}

}  // namespace
