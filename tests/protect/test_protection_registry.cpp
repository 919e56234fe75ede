// The protection registry: entries with unique names and words, every entry's example a canonical token,
// errors that list the forms, and an entry registered from outside the library taking part in the grammar
// and in the read stack (after the built-in guards) for its registrar's lifetime only.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "protect/protected_tensor.hpp"
#include "protect/protection_registry.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::protect {
namespace {

TEST(ProtectionRegistry, NamesAndWordsAreUnique) {
  std::set<std::string_view> names, words;
  for (const ProtectionType* t : protection_types()) {
    EXPECT_TRUE(names.insert(t->name).second) << t->name;
    EXPECT_EQ(find_protection_type(t->name), t);
    const auto own = t->words.empty() ? std::span<const std::string_view>(&t->name, 1) : t->words;
    for (const std::string_view w : own) {
      EXPECT_TRUE(words.insert(w).second) << w;
      EXPECT_EQ(protection_type_of_word(w), t) << w;
    }
    EXPECT_FALSE(t->summary.empty()) << t->name;
    EXPECT_FALSE(t->title.empty()) << t->name;
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(find_protection_type("none"), nullptr);
}

TEST(ProtectionRegistry, EveryExampleIsACanonicalTokenOfItsEntry) {
  for (const ProtectionType* t : protection_types()) {
    const ProtectionSpec spec = ProtectionSpec::parse(t->example);
    EXPECT_EQ(spec.to_string(), t->example) << t->name;
    const auto parts = spec.parts();
    ASSERT_EQ(parts.size(), 1u) << t->name;
    EXPECT_EQ(parts[0].type, t);
    EXPECT_NE(protection_forms().find(t->syntax), std::string::npos) << t->name;
  }
}

TEST(ProtectionRegistry, CanonicalOrderIsTheRegistrysWhateverTheOrderWritten) {
  EXPECT_EQ(ProtectionSpec::parse("nanguard+clip-channel+ecc13:keep+scale-channel=3").to_string(),
            "scale-channel=3+ecc13:keep+clip-channel+nanguard");
}

TEST(ProtectionRegistry, UnknownTokenErrorListsEveryForm) {
  try {
    ProtectionSpec::parse("scale+shield");
    FAIL() << "accepted shield";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown protection 'shield' in 'scale+shield'"), std::string::npos) << what;
    for (const ProtectionType* t : protection_types())
      EXPECT_NE(what.find(t->syntax), std::string::npos) << what << " lacks " << t->syntax;
  }
  EXPECT_EQ(protection_forms(),
            "none, scale[=T], scale-channel[=T], scale@logits[=T], ecc72|ecc39|ecc13[:zero|:keep], clip, "
            "clip-channel, nanguard, ranger, clip-act");
  EXPECT_EQ(protection_titles(), "weight scaling, SECDED, clipping, NaN guards, Ranger, FT-ClipAct");
}

TEST(ProtectionRegistry, OneStorageCodePerSpec) {
  EXPECT_THROW(ProtectionSpec::parse("ecc72+ecc39"), std::invalid_argument);
  EXPECT_THROW(ProtectionSpec::parse("ecc72=3"), std::invalid_argument);
  EXPECT_THROW(ProtectionSpec::parse("scale:3"), std::invalid_argument);
}

// A read guard from outside the library: every read is made non-negative.
class AbsGuard final : public ElementwiseLayer<AbsGuard> {
 public:
  float read_one(std::size_t, float v) const { return std::fabs(v); }
  ProtectionCost cost() const override { return {"absguard", 0, 0, "1 sign clear per weight"}; }
};

const ProtectionType kAbsGuard{
    .name = "absguard",
    .title = "absolute values",
    .syntax = "absguard",
    .summary = "every read is made non-negative",
    .example = "absguard",
    .stage = ProtectionStage::read_guard,
    .make_layer = [](const ProtectionInput&) -> std::unique_ptr<ValueLayer> {
      return std::make_unique<AbsGuard>();
    },
};

TEST(ProtectionRegistry, ARegisteredGuardJoinsTheGrammarAndTheStackForItsRegistrarsLifetime) {
  EXPECT_THROW(ProtectionSpec::parse("absguard"), std::invalid_argument);
  {
    const ProtectionRegistrar registrar{kAbsGuard};
    const ProtectionSpec spec = ProtectionSpec::parse("AbsGuard+clip+scale");
    EXPECT_EQ(spec.to_string(), "scale+clip+absguard");
    EXPECT_THROW(ProtectionSpec::parse("absguard=2"), std::invalid_argument);  // takes no options
    EXPECT_THROW(ProtectionSpec::parse("absguard+absguard"), std::invalid_argument);
    EXPECT_NE(protection_forms().find(", absguard"), std::string::npos);

    const std::vector<float> w{-0.5f, 0.25f, -1.0f, 0.75f};
    ProtectedTensor t(spec, memory::Format::fixed(2, 5), w);
    const auto clean = t.read_all();
    for (std::size_t i = 0; i < w.size(); ++i)  // |w| within q2.5's rounding (1/64) of the scaled weight
      EXPECT_NEAR(clean[i], std::fabs(w[i]), 1.0 / 64 / 3.96875) << i;
    // Clip first (to the range of the reads below it, [-1, 0.75]), then the registered guard: -1 is stored
    // as -127/32 (c = 3.96875), and its bit 0 flipped gives -4/c, clipped to -1, read as 1 (in the other
    // order, 1.008 would clip to 0.75).
    t.data_bits().flip(2 * 8 + 0);
    EXPECT_EQ(t.read(2), 1.0f);
    const auto costs = t.costs();
    ASSERT_EQ(costs.size(), 4u);  // scale, format, clip, absguard
    EXPECT_EQ(costs.back().name, "absguard");

    EXPECT_THROW(register_protection_type(kAbsGuard), std::logic_error);  // taken
  }
  EXPECT_THROW(ProtectionSpec::parse("absguard"), std::invalid_argument);
}

TEST(ProtectionRegistry, RegistrationRefusesTakenWordsAndMissingParts) {
  ProtectionType clash = kAbsGuard;
  clash.name = "clip";
  EXPECT_THROW(register_protection_type(clash), std::logic_error);
  static constexpr std::array<std::string_view, 1> kTaken = {"ecc39"};
  ProtectionType word_clash = kAbsGuard;
  word_clash.name = "mine";
  word_clash.words = kTaken;
  EXPECT_THROW(register_protection_type(word_clash), std::logic_error);
  ProtectionType no_layer = kAbsGuard;
  no_layer.make_layer = nullptr;
  EXPECT_THROW(register_protection_type(no_layer), std::logic_error);
  ProtectionType no_code = kAbsGuard;
  no_code.stage = ProtectionStage::storage_code;
  EXPECT_THROW(register_protection_type(no_code), std::logic_error);
  EXPECT_EQ(protection_types().size(), 6u);
}

}  // namespace
}  // namespace flipguard::protect
