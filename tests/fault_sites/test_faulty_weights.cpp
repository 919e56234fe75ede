// Stored weights under scale@logits: exact (no faults: the logits are the plain model's times the product of
// constants) on a positively homogeneous network, and the clean biases put back afterwards. The plan itself
// is tested in tests/model/test_logit_scaling.cpp. Conditioned (stratified) trials: the critical-bit count in
// its range, the same faults for every protection of a format, and the unconditioned count's law back when
// the range is everything.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "engine/executor.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/fault_model.hpp"
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
  auto slots = fault_sites::select_slots(scaled.weights(), "all");
  double product;
  std::vector<float> got;
  {
    fault_sites::FaultyWeights fw(scaled, slots, "fp32", "scale@logits");
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

TEST(ConditionedTrial, CriticalCountLiesInItsRangeAndEveryProtectionSeesTheSameFaults) {
  auto a = make("resnet20");
  auto b = make("resnet20");
  fault_sites::FaultyWeights plain(a, fault_sites::select_slots(a.weights(), "all"), "fp32", "none");
  fault_sites::FaultyWeights clipped(b, fault_sites::select_slots(b.weights(), "all"), "fp32", "clip");
  const auto model = faults::FaultModel::parse("ber:2e-5");
  const std::int64_t words = plain.critical_words(model);
  ASSERT_GT(words, 100000);  // resnet20's ~270k weights
  const fault_sites::CriticalCondition condition{2, 4};
  std::set<std::int64_t> seen;
  for (std::uint64_t trial = 0; trial < 12; ++trial) {
    const auto p = plain.inject(model, 5, trial, condition);
    const auto c = clipped.inject(model, 5, trial, condition);
    plain.restore();
    clipped.restore();
    EXPECT_EQ(p.critical_words, words);
    EXPECT_GE(p.critical_faults, 2);
    EXPECT_LE(p.critical_faults, 4);
    seen.insert(p.critical_faults);
    // No check bits under either protection: every stored flip is a data fault, placed identically.
    EXPECT_EQ(p.critical_faults, c.critical_faults) << "trial " << trial;
    EXPECT_EQ(p.flips, c.flips) << "trial " << trial;
  }
  EXPECT_GE(seen.size(), 2u) << "the count is drawn, not fixed";
}

TEST(ConditionedTrial, WholeRangeGivesTheBinomialCount) {
  auto ex = make("resnet20");
  fault_sites::FaultyWeights fw(ex, fault_sites::select_slots(ex.weights(), "all"), "fp32", "none");
  const auto model = faults::FaultModel::parse("ber:1e-5");
  const double n = static_cast<double>(fw.critical_words(model));
  const double mean = n * 1e-5, sd = std::sqrt(n * 1e-5 * (1 - 1e-5));
  const int trials = 300;
  double sum = 0;
  for (int t = 0; t < trials; ++t) {
    sum += static_cast<double>(
        fw.inject(model, 9, static_cast<std::uint64_t>(t), fault_sites::CriticalCondition{}).critical_faults);
    fw.restore();
  }
  // The mean of 300 Binomial(n, p) counts: 4.5 standard errors is a false alarm about once in 10^5 runs.
  EXPECT_NEAR(sum / trials, mean, 4.5 * sd / std::sqrt(trials));
}

TEST(ConditionedTrial, ModelsWithoutABinomialCountAreRefused) {
  auto ex = make("resnet20");
  fault_sites::FaultyWeights fw(ex, fault_sites::select_slots(ex.weights(), "all"), "fp32", "none");
  EXPECT_EQ(fw.critical_words(faults::FaultModel::parse("burst:1e-6:len=4")), 0);
  EXPECT_THROW(
      fw.inject(faults::FaultModel::parse("burst:1e-6:len=4"), 1, 0, fault_sites::CriticalCondition{1, 2}),
      std::invalid_argument);
}

}  // namespace
