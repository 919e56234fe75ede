// The protection grammar: parsing, canonical forms (recorded in results files, so they never change),
// errors naming the token, and what a spec implies for a format.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "protect/protection_spec.hpp"

namespace flipguard::protect {
namespace {

TEST(ProtectionSpec, ParsesAndRoundTrips) {
  for (const char* s :
       {"none", "scale", "scale-channel", "scale=1.5", "ecc72", "ecc39:keep", "ecc13", "clip", "clip-channel",
        "nanguard", "scale+ecc72+clip", "scale-channel=3+ecc13:keep+clip+nanguard", "scale@logits",
        "scale@logits=2.5+ecc72:keep+clip"}) {
    const ProtectionSpec p = ProtectionSpec::parse(s);
    EXPECT_EQ(ProtectionSpec::parse(p.to_string()).to_string(), p.to_string()) << s;
  }
  const auto p = ProtectionSpec::parse("ECC39:keep + scale=2.5");
  ASSERT_TRUE(p.ecc && p.scaling);
  EXPECT_EQ(p.ecc->kind, SecdedKind::ecc39_32);
  EXPECT_EQ(p.ecc->policy, DoubleErrorPolicy::keep);
  EXPECT_EQ(*p.scaling->target, 2.5f);
  EXPECT_FALSE(p.clip || p.nan_guard);
  EXPECT_EQ(ProtectionSpec::parse("").to_string(), "none");
}

TEST(ProtectionSpec, ErrorsNameTheToken) {
  for (const char* s :
       {"ecc64", "scale+scale", "scale=-1", "scale=abc", "ecc72:maybe", "clip=3", "none+clip", "scale+"}) {
    try {
      ProtectionSpec::parse(s);
      FAIL() << "accepted " << s;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
    }
  }
}

TEST(ProtectionSpec, ScaleTargetRecordedPerProtection) {
  const auto t = [](const char* p, const char* f) {
    return ProtectionSpec::parse(p).scale_target(memory::Format::parse(f));
  };
  EXPECT_EQ(t("none", "q2.5"), 0.0);
  EXPECT_EQ(t("ecc72", "fp16"), 0.0);
  EXPECT_FLOAT_EQ(t("scale", "q2.5"), 127.0 / 32);
  EXPECT_FLOAT_EQ(t("scale=2+ecc72", "q2.5"), 2.0);
  EXPECT_GT(t("scale", "fp32"), 1.999);
  EXPECT_LT(t("scale", "fp32"), 2.0);
  EXPECT_FLOAT_EQ(t("scale@logits=1.5", "fp16"), 1.5);
  // Weight scaling computes in float, scale@logits in double: each records its own t.
  EXPECT_EQ(t("scale=0.3", "q2.5"), static_cast<double>(0.3f));
  EXPECT_EQ(t("scale@logits=0.3", "q2.5"), 0.3);
}

TEST(ProtectionSpec, CanonicalSpecs) {
  const auto canonical = [](const char* p) { return ProtectionSpec::parse(p).to_string(); };
  EXPECT_EQ(canonical("scale@logits"), "scale@logits");
  EXPECT_EQ(canonical("scale@logits=3+ecc72"), "scale@logits=3+ecc72");
  EXPECT_THROW(canonical("scale@logits=-1"), std::invalid_argument);
  EXPECT_THROW(canonical("scale@logits+scale"), std::invalid_argument);
  EXPECT_THROW(canonical("scale@logitz"), std::invalid_argument);
  // The forms earlier results files hold, byte for byte.
  EXPECT_EQ(canonical("scale=0.3"), "scale=0.300000012");
  EXPECT_EQ(canonical("scale@logits=0.3"), "scale@logits=0.3");
  EXPECT_EQ(canonical("scale@logits=1e-3+ecc39:keep"), "scale@logits=0.001+ecc39:keep");
  EXPECT_THROW(canonical("scale@logits="), std::invalid_argument);
  EXPECT_THROW(canonical("scale@logits-channel"), std::invalid_argument);
}

TEST(ProtectionSpec, OnlyScaleAtLogitsRescalesBiases) {
  EXPECT_TRUE(ProtectionSpec::parse("scale@logits+ecc72").rescales_biases());
  for (const char* s : {"none", "scale", "scale-channel=2", "ecc72+clip+nanguard"})
    EXPECT_FALSE(ProtectionSpec::parse(s).rescales_biases()) << s;
}

TEST(ProtectionSpec, TargetAboveTheFormatsRangeIsRefused) {
  const auto q25 = memory::Format::parse("q2.5");
  for (const char* s : {"scale=8", "scale@logits=8+ecc72"}) {
    try {
      ProtectionSpec::parse(s).check_format(q25);
      FAIL() << "accepted " << s;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("t = 8 exceeds the largest value of q2.5"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW(ProtectionSpec::parse("scale=3.5").check_format(q25));
  EXPECT_NO_THROW(ProtectionSpec::parse("scale=8").check_format(memory::Format::parse("int8")));
  EXPECT_NO_THROW(ProtectionSpec::parse("ecc72").check_format(q25));
}

}  // namespace
}  // namespace flipguard::protect
