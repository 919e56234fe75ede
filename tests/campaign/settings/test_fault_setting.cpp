// The `fault` setting exposes every fault model of the core: per-bit kinds with bit masks, bursts and
// targeted bits. Spellings are canonical, records carry the core's spec, and what cannot run is refused
// before any trial.
#include <gtest/gtest.h>

#include <cmath>

#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/settings.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "engine/executor.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

using namespace flipguard;
using namespace flipguard::campaign;
using namespace flipguard::fault_sites;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(FaultSetting, EveryCoreModelHasACanonicalSpelling) {
  EXPECT_EQ(canonical_fault_setting("ber"), "ber");
  EXPECT_EQ(canonical_fault_setting("stuck1"), "stuck1");
  EXPECT_EQ(canonical_fault_setting("ber@bits=30"), "ber@bits=30");
  EXPECT_EQ(canonical_fault_setting("stuck0@bits=7,0-4,3"), "stuck0@bits=0-4,7");
  EXPECT_EQ(canonical_fault_setting("burst@len=4"), "burst@len=4");
  EXPECT_EQ(canonical_fault_setting("target@conv1.weight,3,7;fc.weight,0,0"),
            "target@conv1.weight,3,7;fc.weight,0,0");
  // Records keep the rate as before (%.17g), with the options of the core's spec.
  EXPECT_EQ(fault_spec("ber", 1e-4), "ber:0.0001");
  EXPECT_EQ(fault_spec("ber@bits=30", 1e-4), "ber:0.0001@bits=30");
  EXPECT_EQ(fault_spec("burst@len=4", 0.001), "burst:0.001:len=4");
  EXPECT_EQ(fault_model("burst@len=4", 0.001).burst_length, 4u);
  EXPECT_EQ(fault_model("ber@bits=1-2", 0.5).bit_positions, (std::vector<unsigned>{1, 2}));
}

TEST(FaultSetting, SyntaxErrorsNameTheSettingAndTheProblem) {
  EXPECT_NE(error_of([] { canonical_fault_setting("flip"); }).find("fault 'flip': expected ber, stuck0"),
            std::string::npos);
  EXPECT_NE(error_of([] { canonical_fault_setting("ber@bit=3"); }).find("unknown option '@bit=3'"),
            std::string::npos);
  EXPECT_NE(error_of([] { canonical_fault_setting("burst"); }).find("burst@len=4"), std::string::npos);
  EXPECT_NE(
      error_of([] { canonical_fault_setting("burst@len=0"); }).find("burst length 0 is outside [1, 64]"),
      std::string::npos);
  EXPECT_NE(error_of([] { canonical_fault_setting("ber@bits=9-3"); }).find("runs backwards"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              canonical_fault_setting("target@conv1.weight,3");
            }).find("fault 'target@conv1.weight,3'"),
            std::string::npos);
  CampaignConfig c;
  EXPECT_NE(error_of([&] {
              set_setting(c, "fault", "ber@bits=x");
            }).find("fault 'ber@bits=x': bit position 'x' is not a non-negative integer"),
            std::string::npos);
}

TEST(FaultSetting, TheGridRefusesWhatCannotRun) {
  CampaignConfig c;
  c.formats = {"q2.5", "fp16"};
  set_setting(c, "fault", "ber@bits=12");  // fits fp16's 16 bits, not q2.5's 8
  EXPECT_NE(error_of([&] { c.validate(); }).find("names bit 12 but q2.5 stores 8 bits per weight (0-7)"),
            std::string::npos);
  c.formats = {"fp16"};
  EXPECT_NO_THROW(c.validate());
  set_setting(c, "fault", "target@conv1.weight,0,3");
  EXPECT_NE(error_of([&] { c.validate(); }).find("give one BER"), std::string::npos);  // default: three
  c.bers = {1};
  EXPECT_NO_THROW(c.validate());
}

namespace {

engine::ExecutorOptions one_image() {
  engine::ExecutorOptions o;
  o.batch = 1;
  o.threads = 1;
  return o;
}

struct Resnet20 {
  engine::Executor ex{model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()),
                      one_image()};
};

}  // namespace

// With a mask of bit 0 on Q2.5 (5 fraction bits), every changed weight moves by exactly one LSB, 1/32; the
// count of flips is Binomial(weights, p): checked against its mean within 5 standard deviations.
TEST(FaultSetting, ABitMaskFlipsOnlyThoseBitsAndSparesEccCheckBits) {
  Resnet20 r;
  auto slots = select_slots(r.ex, "all");
  std::int64_t weights = 0;
  for (const auto* s : slots) weights += s->size();
  const double p = 0.01;
  FaultyWeights w(r.ex, slots, "q2.5", "none");
  std::vector<std::vector<float>> clean;
  for (const auto* s : slots) {
    clean.emplace_back();
    for (std::int64_t i = 0; i < s->size(); ++i) clean.back().push_back(s->read(i));
  }
  const auto stats = w.inject(fault_model("ber@bits=0", p), 7, 0);
  const double mean = p * static_cast<double>(weights), sd = std::sqrt(mean * (1 - p));
  EXPECT_NEAR(static_cast<double>(stats.flips), mean, 5 * sd);
  EXPECT_EQ(stats.changed_weights, stats.flips);  // one bit per word at most, each a change
  std::int64_t changed = 0;
  for (size_t t = 0; t < slots.size(); ++t)
    for (std::int64_t i = 0; i < slots[t]->size(); ++i) {
      const float now = slots[t]->read(i), before = clean[t][static_cast<size_t>(i)];
      if (now == before) continue;
      ++changed;
      EXPECT_FLOAT_EQ(std::abs(now - before), 1.0f / 32) << slots[t]->name() << "[" << i << "]";
    }
  EXPECT_EQ(changed, stats.changed_weights);
  w.restore();

  // ECC: a mask never reaches the check bits; single flips per word are all corrected.
  FaultyWeights ecc(r.ex, slots, "q2.5", "ecc13");
  const auto e = ecc.inject(fault_model("ber@bits=3", 0.001), 7, 0);
  EXPECT_GT(e.flips, 0);
  EXPECT_EQ(e.ecc_corrected, e.flips);
  EXPECT_EQ(e.changed_weights, 0);
}

TEST(FaultSetting, TargetsMustNameFaultedWeightsAndElementsInside) {
  Resnet20 r;
  auto slots = select_slots(r.ex, "all");
  EXPECT_NO_THROW(check_fault_targets(fault_model("target@conv1.weight,431,7", 1), slots));
  EXPECT_NE(error_of([&] {
              check_fault_targets(fault_model("target@conv9.weight,0,7", 1), slots);
            }).find("fault target 'conv9.weight' is not a faulted stored weight (conv1.weight, "),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              check_fault_targets(fault_model("target@conv1.weight,432,7", 1), slots);
            }).find("element 432 is past the tensor's 432 elements"),
            std::string::npos);
  // A targeted flip changes exactly that weight.
  FaultyWeights w(r.ex, slots, "q2.5", "none");
  const auto s = w.inject(fault_model("target@conv1.weight,5,0", 1), 1, 0);
  EXPECT_EQ(s.flips, 1);
  EXPECT_EQ(s.changed_weights, 1);
}
