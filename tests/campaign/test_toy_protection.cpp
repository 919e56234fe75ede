// A protection defined outside the library, as a new one is written, and run through the campaign path like
// a built-in one: "parity", one parity bit per stored word kept in the faulty memory beside it (a storage
// code, as SECDED is); a word whose parity does not match reads 0. The entry below and one registrar line
// make it known: specs take it and compose it with the built-ins ("parity+clip" is recorded as
// "clip+parity"), docs list it, and the records show its cost and its effect (1/8 memory overhead over Q2.5,
// check bits that take faults too, every word detected when every bit flips).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <string>
#include <vector>

#include "campaign/settings/settings.hpp"
#include "protect/protection_registry.hpp"
#include "protect/protection_spec.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

using namespace flipguard;
using namespace flipguard::campaign;

namespace {

class Parity final : public protect::StorageCode {
 public:
  explicit Parity(const memory::StoredTensor& stored) : check_(stored.size()) {
    for (std::size_t i = 0; i < stored.size(); ++i) check_.set(i, odd(stored, i));
  }

  memory::BitImage& check_bits() override { return check_; }
  const memory::BitImage& check_bits() const override { return check_; }

  void decode_all(const memory::StoredTensor& stored, std::span<float> out,
                  protect::EccCounts* counts) const override {
    protect::EccCounts tally;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = decode_counted(stored, i, tally);
    if (counts) *counts = tally;
  }
  float decode(const memory::StoredTensor& stored, std::size_t i) const override {
    protect::EccCounts tally;
    return decode_counted(stored, i, tally);
  }
  std::vector<protect::ElementValue> decode_touched(const memory::StoredTensor& stored,
                                                    std::span<const std::uint64_t> data_bits,
                                                    std::span<const std::uint64_t> check_bits,
                                                    protect::EccCounts* counts) const override {
    // A word changes with its own data bits or its own check bit: one element per touched bit.
    std::vector<std::uint64_t> words;
    for (const std::uint64_t b : data_bits) words.push_back(b / stored.bits_per_element());
    words.insert(words.end(), check_bits.begin(), check_bits.end());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    protect::EccCounts tally;
    std::vector<protect::ElementValue> out;
    for (const std::uint64_t w : words) out.push_back({w, decode_counted(stored, w, tally)});
    if (counts) *counts = tally;
    return out;
  }
  protect::ProtectionCost cost() const override {
    return {"parity", check_.size_bits(), 0, "1 parity tree per word"};
  }

 private:
  static bool odd(const memory::StoredTensor& stored, std::size_t i) {
    return std::popcount(stored.pattern(i)) % 2 == 1;
  }
  float decode_counted(const memory::StoredTensor& stored, std::size_t i, protect::EccCounts& tally) const {
    ++tally.words;
    if (odd(stored, i) == check_.get(i)) return stored.decode(i);
    ++tally.detected;
    return 0.0f;  // a parity error: the word is known bad
  }

  memory::BitImage check_;
};

const protect::ProtectionType kParity{
    .name = "parity",
    .title = "parity",
    .syntax = "parity",
    .summary = "one parity bit per stored word, in the faulty memory; a word that fails it reads 0",
    .example = "parity",
    .stage = protect::ProtectionStage::storage_code,
    .make_code = [](const protect::ProtectionInput& in) -> std::unique_ptr<protect::StorageCode> {
      return std::make_unique<Parity>(*in.stored);
    },
    .extra_bits = [](const protect::ProtectionSpec&, std::uint64_t data_bits) { return data_bits / 8; },
};

}  // namespace

TEST(ToyProtection, RunsACampaignThroughTheRegistry) {
  // Registered for this test only, after the settings table is built: other tests of this binary (that
  // docs/settings.md is current) see the built-in protections alone.
  (void)settings();
  const protect::ProtectionRegistrar registrar{kParity};
  EXPECT_EQ(protect::ProtectionSpec::parse("Parity + clip").to_string(), "clip+parity");
  EXPECT_THROW(protect::ProtectionSpec::parse("parity+ecc72"), std::invalid_argument);  // one storage code
  EXPECT_NE(protect::protection_forms().find(", parity"), std::string::npos);
  EXPECT_NE(settings_markdown().find("| `parity` | storage code | one parity bit per stored word"),
            std::string::npos);

  const auto results = flipguard::testing::scratch_path("parity.jsonl");
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  c.formats = {"q2.5"};
  set_setting(c, "protections", "none,parity,parity+clip");
  // One configuration spelled twice: the same canonical form.
  EXPECT_THROW(set_setting(c, "protections", "parity+clip,clip+parity"), std::invalid_argument);
  c.bers = {0.01, 1};
  c.trials = 2;
  c.images = 20;

  constexpr std::int64_t kWords = 268336;  // ResNet-20's stored weight words
  std::map<std::pair<double, std::int64_t>, std::int64_t> flips_unprotected;
  std::vector<TrialRecord> parity;
  for (const auto& r : flipguard::testing::run_campaign_records(c)) {
    if (r.protection == "none") {
      EXPECT_EQ(r.memory_overhead, 0.0);
      flips_unprotected[{r.ber, r.trial}] = r.flips;
      continue;
    }
    EXPECT_TRUE(r.protection == "parity" || r.protection == "clip+parity") << r.protection;  // canonical
    EXPECT_DOUBLE_EQ(r.memory_overhead, 1.0 / 8) << r.protection;  // 1 check bit per 8-bit word
    parity.push_back(r);
  }
  ASSERT_EQ(parity.size(), 2u * (1 + 2 * 2));  // two protections: a fault-free record and 2 BERs x 2 trials
  for (const auto& r : parity) {
    if (r.ber == 0) {
      EXPECT_EQ(r.flips, 0);
      EXPECT_EQ(r.ecc_detected, 0);
      continue;
    }
    // The data bits see the unprotected run's flips (common random numbers), the check bits more.
    EXPECT_GT(r.flips, flips_unprotected.at({r.ber, r.trial})) << r.protection;
    EXPECT_GT(r.ecc_detected, 0) << r.protection;
    if (r.ber == 1) {
      // Every bit flips: 8 per word keep its parity, the flipped check bit breaks it, so every word is
      // detected and reads 0.
      EXPECT_EQ(r.flips, 9 * kWords);
      EXPECT_EQ(r.ecc_detected, kWords);
      EXPECT_EQ(flips_unprotected.at({r.ber, r.trial}), 8 * kWords);
    }
  }
  std::filesystem::remove(results);
}
