// ranger and clip-act on stored weights: bounds from the clean tensor, so both are no-ops without faults; a
// flip that takes a weight above the range is clamped to it (ranger, the same reads as clip) or zeroed
// (clip-act); a NaN passes ranger and reads as 0 through clip-act.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "protect/protected_tensor.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::protect {
namespace {

const std::vector<float> kWeights = {0.5f, -0.25f, 0.125f, 0.75f, -0.5f, 0.0625f};

ProtectedTensor stored(const char* spec) {
  return ProtectedTensor(ProtectionSpec::parse(spec), memory::Format::fp32(), kWeights);
}

TEST(RangeGuards, CleanReadsAreTheWeights) {
  for (const char* spec : {"ranger", "clip-act", "ranger+nanguard"})
    EXPECT_EQ(stored(spec).read_all(), kWeights) << spec;
}

TEST(RangeGuards, AnOutOfRangeReadIsClampedOrZeroed) {
  // Bit 30 of 0.125f (the top exponent bit) makes it about 4e37: far above the range [-0.5, 0.75].
  auto ranger = stored("ranger"), clip = stored("clip"), clip_act = stored("clip-act"), none = stored("none");
  for (auto* t : {&ranger, &clip, &clip_act, &none}) t->data_bits().flip(2 * 32 + 30);
  EXPECT_GT(none.read(2), 1e37f);
  EXPECT_EQ(ranger.read(2), 0.75f);
  EXPECT_EQ(ranger.read_all(), clip.read_all());
  EXPECT_EQ(clip_act.read(2), 0.0f);
  EXPECT_EQ(clip_act.read(3), 0.75f);  // in range: unchanged
}

TEST(RangeGuards, NanPassesRangerAndReadsAsZeroThroughClipAct) {
  auto ranger = stored("ranger"), clip_act = stored("clip-act"), both = stored("ranger+nanguard");
  // 0.5f with every exponent bit set and a mantissa bit: a NaN pattern.
  for (auto* t : {&ranger, &clip_act, &both}) {
    for (unsigned b = 23; b <= 30; ++b) t->data_bits().set(b, true);
    t->data_bits().set(0, true);
  }
  EXPECT_TRUE(std::isnan(ranger.read(0)));
  EXPECT_EQ(clip_act.read(0), 0.0f);
  EXPECT_EQ(both.read(0), 0.0f);
  EXPECT_EQ(ProtectionSpec::parse("clip-act+ranger").to_string(), "ranger+clip-act");
}

}  // namespace
}  // namespace flipguard::protect
