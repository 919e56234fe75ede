// The fault model registry: every kind reads and writes both of its forms from one grammar, messages list the
// registered kinds, and a kind defined outside the library (stuckmsb, below: one file's worth) parses, prints
// and samples like a built-in one.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "faults/fault_model_registry.hpp"
#include "faults/geometric_skip.hpp"

namespace flipguard::faults {
namespace {

// stuckmsb:<p>: the most significant bit of each element is stuck at 1 with probability p.
FaultMap sample_stuck_msb(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  KeyedRng rng(key);
  const GeometricSkip skip(model.rate, region.elements);
  std::vector<Fault> faults;
  for (std::uint64_t e = skip.next(0, rng); e < skip.slots(); e = skip.next(e + 1, rng))
    faults.push_back({e * region.width + region.width - 1, FaultKind::kStuck1});
  return FaultMap(region.bits(), std::move(faults));
}

constexpr FaultModelType kStuckMsb{
    .name = "stuckmsb",
    .summary = "the top bit of each stored word is stuck at 1 with probability BER",
    .example = "stuckmsb",
    .sample = sample_stuck_msb,
    .per_bit_fault = std::nullopt,  // one bit per word: not every allowed bit
};
const FaultModelRegistrar registrar{kStuckMsb};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FaultModelRegistry, EveryKindReadsBackBothOfItsForms) {
  for (const FaultModelType* t : fault_model_types()) {
    const std::string setting(t->example);
    const FaultModel m = FaultModel::parse(setting_spec(setting, "0.25"));
    EXPECT_EQ(m.kind.type, t) << setting;
    EXPECT_EQ(setting_text(m), setting);
    EXPECT_EQ(FaultModel::parse(m.to_string()), m) << setting;
    EXPECT_EQ(find_fault_model_type(t->name), t);
  }
  // The named built-in kinds are the registry's entries.
  EXPECT_EQ(FaultModelKind::kBitErrorRate.name(), "ber");
  EXPECT_EQ(FaultModelKind::kBurst.type, find_fault_model_type("burst"));
  EXPECT_EQ(FaultModel().kind, FaultModelKind::kBitErrorRate);
}

TEST(FaultModelRegistry, SyntaxAndMessagesComeFromTheEntries) {
  EXPECT_EQ(find_fault_model_type("ber")->spec_syntax(), "ber:<p>[@bits=<list>]");
  EXPECT_EQ(find_fault_model_type("ber")->setting_syntax(), "ber[@bits=<list>]");
  EXPECT_EQ(find_fault_model_type("burst")->spec_syntax(), "burst:<p>:len=<L>");
  EXPECT_EQ(find_fault_model_type("target")->setting_syntax(),
            "target@<tensor>,<element>,<bit>[;...] or <value>,<image>,<coordinates...>,<bit>[;...]");
  EXPECT_EQ(find_fault_model_type("single")->setting_syntax(), "single[@value=<lo>,<hi>]");
  EXPECT_EQ(kStuckMsb.spec_syntax(), "stuckmsb:<p>");
  EXPECT_EQ(fault_model_names(" or "), "ber, stuck0, stuck1, burst, target, single or stuckmsb");
  EXPECT_NE(error_of([] {
              FaultModel::parse("zap:1");
            }).find("(expected ber, stuck0, stuck1, burst, target, single or stuckmsb)"),
            std::string::npos);
  EXPECT_NE(error_of([] { setting_spec("zap", "1"); }).find("burst@len=<L>, target@"), std::string::npos);
  EXPECT_EQ(error_of([] { setting_spec("burst", "1"); }), "burst needs @len=<L>, e.g. burst@len=4");
  EXPECT_EQ(error_of([] { setting_spec("stuckmsb@bits=3", "1"); }), "stuckmsb takes no options");
  // The setting keeps the rate's text and the options as written.
  EXPECT_EQ(setting_spec("ber@bits=7,0-4", "0.001"), "ber:0.001@bits=7,0-4");
  EXPECT_EQ(setting_spec("target@fc.weight,1,2", "0.5"), "target:fc.weight,1,2");
}

TEST(FaultModelRegistry, AKindDefinedOutsideTheLibraryParsesAndSamples) {
  const FaultModel m = FaultModel::parse("stuckmsb:0.25");
  EXPECT_EQ(m.kind.name(), "stuckmsb");
  EXPECT_EQ(m.rate, 0.25);
  EXPECT_EQ(m.to_string(), "stuckmsb:0.25");
  EXPECT_EQ(setting_text(m), "stuckmsb");
  EXPECT_NE(error_of([] { FaultModel::parse("stuckmsb:2"); }).find("rate 2 is not a probability"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { FaultModel::parse("stuckmsb:0.1@bits=1"); }).find("rate '0.1@bits=1' is not a number"),
      std::string::npos);

  const RngKey key{7, 0, 0, static_cast<std::uint64_t>(Stream::kData)};
  const FaultMap all = sample_faults(FaultModel::parse("stuckmsb:1"), {100, 8}, key);
  ASSERT_EQ(all.size(), 100u);
  for (const Fault& f : all.faults()) {
    EXPECT_EQ(f.bit % 8, 7u);
    EXPECT_EQ(f.kind, FaultKind::kStuck1);
  }
  const FaultMap some = sample_faults(m, {10000, 16}, key);
  EXPECT_NEAR(static_cast<double>(some.size()), 2500, 5 * std::sqrt(10000 * 0.25 * 0.75));
  EXPECT_EQ(sample_faults(m, {10000, 16}, key), some);  // a pure function of the key
  EXPECT_THROW(sample_faults(FaultModel::parse("stuckmsb:0"), {1, 0}, key), std::invalid_argument);
}

TEST(FaultModelRegistry, RefusesAKindItCannotUse) {
  EXPECT_THROW(register_fault_model_type(kStuckMsb), std::logic_error);  // the name is taken
  static constexpr FaultModelType kNoSampler{.name = "nosampler", .per_bit_fault = std::nullopt};
  EXPECT_THROW(register_fault_model_type(kNoSampler), std::logic_error);
  static constexpr FaultModelType kBadName{.name = "a:b", .sample = sample_stuck_msb, .per_bit_fault = {}};
  EXPECT_THROW(register_fault_model_type(kBadName), std::logic_error);
  EXPECT_EQ(find_fault_model_type("nosampler"), nullptr);
}

}  // namespace
}  // namespace flipguard::faults
