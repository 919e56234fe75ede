// Faults on the format's critical bit: counted per trial, exactly Binomial(words, rate), identical across the
// protections of a format, and split out per cell as a diagnostic.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/critical_strata.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "engine/executor.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;
using namespace flipguard::fault_sites;

TEST(CriticalStrata, ProbabilityOfNoCriticalFaultIsTheBinomialZeroTerm) {
  EXPECT_DOUBLE_EQ(probability_no_critical_fault(0, 0.3), 1.0);
  EXPECT_NEAR(probability_no_critical_fault(3, 0.5), 0.125, 1e-15);
  EXPECT_NEAR(probability_no_critical_fault(25'000'000, 1e-7), std::exp(-2.5), 1e-7);
  EXPECT_EQ(probability_no_critical_fault(5, 1.0), 0.0);
  EXPECT_THROW(probability_no_critical_fault(-1, 0.1), std::invalid_argument);
  EXPECT_THROW(probability_no_critical_fault(10, 1.5), std::invalid_argument);
  EXPECT_THROW(probability_no_critical_fault(10, std::nan("")), std::invalid_argument);
}

TEST(CriticalStrata, SplitsTrialsByCriticalFaultsAndNeedsOneWordCount) {
  std::vector<TrialRecord> records;
  const int faults[] = {0, 2, 0, 1, 0};
  const int top1[] = {80, 1, 82, 3, 78};
  for (int t = 0; t < 5; ++t) {
    TrialRecord r;
    r.format = "fp32";
    r.protection = "none";
    r.ber = 1e-6;
    r.trial = t;
    r.images = 100;
    r.top1 = r.top5 = top1[t];
    r.critical_faults = faults[t];
    r.critical_words = 500'000;
    records.push_back(r);
  }
  const CriticalStrata s = summarize(records).critical;
  ASSERT_TRUE(s.known);
  EXPECT_NEAR(s.p_none, std::exp(500'000 * std::log1p(-1e-6)), 1e-12);
  EXPECT_EQ(s.trials_none, 3);
  EXPECT_EQ(s.trials_hit, 2);
  EXPECT_NEAR(s.top1_none, 80, 1e-12);
  EXPECT_NEAR(s.top1_hit, 2, 1e-12);
  records[2].critical_words = 7;  // counts that disagree: no single stratum probability
  EXPECT_FALSE(critical_strata(records).known);
  for (auto& r : records) r.critical_words = 0;  // older records, or bursts
  EXPECT_FALSE(critical_strata(records).known);
  records[1].ber = 1e-5;
  EXPECT_THROW(critical_strata(records), std::invalid_argument);
}

// On a real model's stored weights: the count is Binomial(words, rate) (mean and P(K=0) over 400 trials) and
// every protection of a format sees the same count in the same trial (common random numbers).
TEST(CriticalStrata, CountsAreBinomialAndSharedByTheProtectionsOfAFormat) {
  engine::ExecutorOptions opt;
  opt.batch = 1;
  engine::Executor ex(
      model::load_onnx((fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.onnx").string()), opt);
  auto slots = select_slots(ex.weights(), "all");
  std::int64_t words = 0;
  for (auto* s : slots) words += s->size();
  for (const char* format : {"fp16", "q2.5"}) {
    const double lambda = 1.2, rate = lambda / static_cast<double>(words);
    const auto model = faults::FaultModel::parse("ber:" + std::to_string(rate));
    FaultyWeights none(ex, slots, format, "none");
    const int trials = 400;
    std::vector<std::int64_t> k(trials);
    for (int t = 0; t < trials; ++t) {
      const auto st = none.inject(model, 5, static_cast<std::uint64_t>(t));
      none.restore();
      ASSERT_EQ(st.critical_words, words);
      k[static_cast<std::size_t>(t)] = st.critical_faults;
    }
    for (const char* protection : {"scale", "ecc72", "scale+clip"}) {
      FaultyWeights other(ex, slots, format, protection);
      for (int t = 0; t < 50; ++t) {
        ASSERT_EQ(other.inject(model, 5, static_cast<std::uint64_t>(t)).critical_faults,
                  k[static_cast<std::size_t>(t)])
            << format << " " << protection << " trial " << t;
        other.restore();
      }
    }
    double mean = 0, zeros = 0;
    for (auto v : k) mean += static_cast<double>(v), zeros += v == 0;
    mean /= trials;
    const double p0 = probability_no_critical_fault(words, rate);
    EXPECT_NEAR(mean, lambda, 4 * std::sqrt(lambda / trials)) << format;
    EXPECT_NEAR(zeros / trials, p0, 4 * std::sqrt(p0 * (1 - p0) / trials)) << format;
  }
  // Models whose count is not binomial per word, or that cannot hit the bit, report no words.
  FaultyWeights fp16(ex, slots, "fp16", "none");
  EXPECT_EQ(fp16.inject(faults::FaultModel::parse("ber:0.001@bits=0,1"), 1, 0).critical_words, 0);
  fp16.restore();
  EXPECT_EQ(fp16.inject(faults::FaultModel::parse("burst:0.0001:len=3"), 1, 0).critical_words, 0);
  fp16.restore();
  EXPECT_EQ(fp16.inject(faults::FaultModel::parse("stuck1:0.001@bits=14"), 1, 0).critical_words, words);
  fp16.restore();
}
