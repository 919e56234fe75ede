// A fault model kind defined outside the library, as a new kind is written, and run through the campaign path
// like a built-in one: flipword:<p>, every bit of each stored word flips with probability p (whole words at
// once). The kind is the entry below; one registrar line makes it known. The `fault` setting then takes it,
// help and docs list it, and the records show its faults (8 flips per faulted Q2.5 word, each word changed).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/settings.hpp"
#include "faults/fault_model_registry.hpp"
#include "faults/geometric_skip.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

using namespace flipguard::faults;

// Words chosen at rate p by geometric skips, so the cost is O(faults) as for the built-in kinds.
FaultMap sample_words(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  KeyedRng rng(key);
  const GeometricSkip skip(model.rate, region.elements);
  std::vector<Fault> faults;
  for (std::uint64_t e = skip.next(0, rng); e < skip.slots(); e = skip.next(e + 1, rng))
    for (unsigned b = 0; b < region.width; ++b) faults.push_back({e * region.width + b, FaultKind::kFlip});
  return FaultMap(region.bits(), std::move(faults));
}

constexpr FaultModelType kFlipWord{
    .name = "flipword",
    .summary = "every bit of a stored word flips, for each word with probability BER",
    .example = "flipword",
    .sample = sample_words,
    .per_bit_fault = std::nullopt,  // whole words: the count on one bit is not of independent bits
};

}  // namespace

TEST(ToyFaultModel, RunsACampaignThroughTheRegistry) {
  // Registered for this test only, after the settings table is built: other tests of this binary (that
  // docs/settings.md is current) see the built-in kinds alone.
  (void)settings();
  const FaultModelRegistrar registrar{kFlipWord};
  const auto results = flipguard::testing::scratch_path("flipword.jsonl");
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"q2.5"};
  c.protections = {"none"};
  c.bers = {0.01, 1};
  c.trials = 2;
  c.images = 20;
  set_setting(c, "fault", "flipword");
  EXPECT_EQ(c.fault, "flipword");
  EXPECT_NE(fault_setting_help().find("`flipword`: every bit of a stored word flips"), std::string::npos);
  EXPECT_NE(settings_markdown().find("| `flipword` | every bit of a stored word flips"), std::string::npos);

  std::int64_t weights = 0;
  int faulty = 0;
  for (const auto& r : flipguard::testing::run_campaign_records(c)) {
    if (r.ber == 0) {
      EXPECT_EQ(r.flips, 0);
      continue;
    }
    ++faulty;
    EXPECT_EQ(r.fault_model, r.ber == 1 ? "flipword:1" : "flipword:0.01");
    EXPECT_EQ(r.flips % 8, 0) << r.fault_model;  // whole 8-bit words
    EXPECT_EQ(r.changed_weights * 8, r.flips);   // every bit of a word flipped: its value changes
    EXPECT_EQ(r.critical_words, 0);              // not a per-bit kind: no critical-bit count
    if (r.ber == 1) {
      if (weights == 0) weights = r.changed_weights;
      EXPECT_EQ(r.changed_weights, weights);  // every word, every trial
    } else {
      EXPECT_GT(r.flips, 0);
    }
  }
  EXPECT_EQ(faulty, 4);
  EXPECT_EQ(weights, 268336);  // ResNet-20's stored weight words (its critical_words under ber)
  std::filesystem::remove(results);
}
