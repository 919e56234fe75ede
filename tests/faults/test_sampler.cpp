#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "faults/sampler.hpp"
#include "stats.hpp"

namespace flipguard::faults {
namespace {

using test::kAlpha;
using test::kSigmas;

RngKey key(std::uint64_t trial, std::uint64_t tensor = 0, Stream stream = Stream::kData) {
  return {2024, trial, tensor, static_cast<std::uint64_t>(stream)};
}

FaultMap sample(const std::string& spec, std::uint64_t elements, unsigned width, std::uint64_t trial) {
  return sample_faults(FaultModel::parse(spec), {elements, width}, key(trial));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

// ---- determinism
// --------------------------------------------------------------------------------------------

TEST(Sampler, SameKeyGivesTheSameMapAndOtherTrialsOrStreamsDiffer) {
  const FaultModel m = FaultModel::parse("ber:1e-3");
  const SampleRegion r{100'000, 8};
  const FaultMap a = sample_faults(m, r, key(5, 1));
  EXPECT_EQ(sample_faults(m, r, key(5, 1)), a);
  EXPECT_GT(a.size(), 500u);
  EXPECT_NE(sample_faults(m, r, key(6, 1)), a);
  EXPECT_NE(sample_faults(m, r, key(5, 2)), a);
  EXPECT_NE(sample_faults(m, r, key(5, 1, Stream::kCheck)), a);
}

TEST(Sampler, MapsDoNotDependOnTheOrderTensorsAreSampled) {
  const FaultModel m = FaultModel::parse("ber:1e-3");
  const std::vector<SampleRegion> tensors = {{5000, 8}, {70'000, 16}, {123, 32}, {40'000, 8}};
  std::map<std::uint64_t, FaultMap> forward, backward;
  for (std::uint64_t t = 0; t < tensors.size(); ++t) forward[t] = sample_faults(m, tensors[t], key(3, t));
  for (std::uint64_t t = tensors.size(); t-- > 0;) {
    // Interleave unrelated draws, as another thread or protection would.
    (void)sample_faults(m, {999, 8}, key(3, 100 + t));
    backward[t] = sample_faults(m, tensors[t], key(3, t));
  }
  EXPECT_EQ(forward, backward);
}

TEST(Sampler, DataBitsGetTheSameFaultsWhateverTheCheckBitsDraw) {
  // Common random numbers: the data stream of a tensor does not depend on whether check bits are sampled.
  const FaultModel m = FaultModel::parse("ber:1e-2");
  const FaultMap data = sample_faults(m, {1000, 8}, key(1, 4, Stream::kData));
  (void)sample_faults(m, {125, 8}, key(1, 4, Stream::kCheck));
  EXPECT_EQ(sample_faults(m, {1000, 8}, key(1, 4, Stream::kData)), data);
}

// ---- counts
// ---------------------------------------------------------------------------------------------------

std::vector<std::uint64_t> counts_over_trials(const std::string& spec, std::uint64_t elements, unsigned width,
                                              int trials) {
  std::vector<std::uint64_t> counts;
  for (int t = 0; t < trials; ++t) counts.push_back(sample(spec, elements, width, t).size());
  return counts;
}

TEST(Sampler, FlipCountsFollowTheBinomialLaw) {
  struct Case {
    std::string spec;
    std::uint64_t elements;
    unsigned width;
    std::uint64_t allowed_bits;  // n of Binomial(n, p)
    double p;
  };
  for (const Case& c :
       {Case{"ber:0.05", 125, 8, 1000, 0.05}, Case{"ber:0.002", 5000, 16, 80'000, 0.002},
        Case{"stuck1:0.3", 40, 5, 200, 0.3}, Case{"ber:0.01@bits=0-4,6", 2000, 8, 12'000, 0.01}}) {
    const int trials = 3000;
    const auto counts = counts_over_trials(c.spec, c.elements, c.width, trials);
    EXPECT_GT(test::binomial_goodness_of_fit(counts, c.allowed_bits, c.p), kAlpha) << c.spec;
    std::vector<double> xs(counts.begin(), counts.end());
    const auto mv = test::mean_var(xs);
    const double mean = c.allowed_bits * c.p, var = mean * (1 - c.p);
    EXPECT_NEAR(mv.mean, mean, kSigmas * std::sqrt(var / trials)) << c.spec;
    // Var of the sample variance ~ 2 var^2 / (T-1) for counts this close to normal.
    EXPECT_NEAR(mv.var, var, kSigmas * var * std::sqrt(2.0 / (trials - 1))) << c.spec;
  }
}

TEST(Sampler, BinomialCheckRejectsASlightlyWrongRate) {
  // Power check: counts drawn at 0.047 instead of 0.05 (what a skip of one extra bit per fault gives,
  // p / (1 + p)) fail the same goodness-of-fit test the sampler passes.
  const auto counts = counts_over_trials("ber:0.047619", 125, 8, 3000);
  EXPECT_LT(test::binomial_goodness_of_fit(counts, 1000, 0.05), kAlpha);
}

TEST(Sampler, ZeroRateGivesNoFaultsAndRateOneHitsEveryAllowedBit) {
  EXPECT_TRUE(sample("ber:0", 1'000'000, 8, 0).empty());
  EXPECT_TRUE(sample("burst:0:len=4", 1'000'000, 8, 0).empty());
  const FaultMap all = sample("stuck0:1", 100, 12, 0);
  ASSERT_EQ(all.size(), 1200u);
  for (std::uint64_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all.faults()[i], (Fault{i, FaultKind::kStuck0}));
  }
  const FaultMap masked = sample("ber:1@bits=0-4,6", 50, 8, 0);
  ASSERT_EQ(masked.size(), 300u);
  std::set<std::uint64_t> expect;
  for (std::uint64_t e = 0; e < 50; ++e) {
    for (unsigned b : {0u, 1u, 2u, 3u, 4u, 6u}) expect.insert(e * 8 + b);
  }
  std::set<std::uint64_t> got;
  for (const Fault& f : masked.faults()) got.insert(f.bit);
  EXPECT_EQ(got, expect);
}

// ---- positions
// ------------------------------------------------------------------------------------------------

TEST(Sampler, PositionsAreUniformOverTheRegion) {
  const std::uint64_t elements = 1 << 17;  // 2^20 bits
  std::vector<double> buckets(64, 0.0);
  for (int t = 0; t < 100; ++t) {
    for (const Fault& f : sample("ber:2e-3", elements, 8, t).faults())
      buckets[f.bit * 64 / (elements * 8)] += 1;
  }
  EXPECT_GT(test::chi_square_uniform(buckets), kAlpha);
}

TEST(Sampler, PositionsAreUniformOverBitsWithinElements) {
  for (const unsigned width : {8u, 12u, 16u}) {
    std::vector<double> per_position(width, 0.0);
    for (int t = 0; t < 50; ++t) {
      for (const Fault& f : sample("ber:5e-3", 20'000, width, t).faults()) per_position[f.bit % width] += 1;
    }
    EXPECT_GT(test::chi_square_uniform(per_position), kAlpha) << "width " << width;
  }
}

TEST(Sampler, BitMasksAreRespectedAndUniformWithin) {
  const std::vector<unsigned> allowed = {0, 1, 2, 3, 4, 6};
  std::vector<double> per_position(8, 0.0);
  for (int t = 0; t < 50; ++t) {
    for (const Fault& f : sample("ber:1e-2@bits=0-4,6", 10'000, 8, t).faults()) per_position[f.bit % 8] += 1;
  }
  EXPECT_EQ(per_position[5], 0.0);
  EXPECT_EQ(per_position[7], 0.0);
  std::vector<double> used;
  for (const unsigned b : allowed) used.push_back(per_position[b]);
  EXPECT_GT(test::chi_square_uniform(used), kAlpha);

  // A single position in an odd width: only bit 10 of each element, spread evenly over the elements.
  std::vector<double> buckets(20, 0.0);
  for (int t = 0; t < 40; ++t) {
    for (const Fault& f : sample("ber:0.1@bits=10", 10'000, 11, t).faults()) {
      ASSERT_EQ(f.bit % 11, 10u);
      buckets[(f.bit / 11) * 20 / 10'000] += 1;
    }
  }
  EXPECT_GT(test::chi_square_uniform(buckets), kAlpha);
}

TEST(Sampler, BitZeroAndTheLastBitAreHitWithProbabilityP) {
  // Off-by-one guard at both ends of the region: over many trials, P(bit 0) = P(bit n-1) = p.
  const double p = 0.2;
  const int trials = 20000;
  int first = 0, last = 0;
  for (int t = 0; t < trials; ++t) {
    const FaultMap m = sample("ber:0.2", 4, 8, t);
    first += !m.empty() && m.faults().front().bit == 0;
    last += !m.empty() && m.faults().back().bit == 31;
  }
  const double se = std::sqrt(p * (1 - p) / trials);
  EXPECT_NEAR(first / static_cast<double>(trials), p, kSigmas * se);
  EXPECT_NEAR(last / static_cast<double>(trials), p, kSigmas * se);
}

TEST(Sampler, ResNet50SizedRegionHasTheRightCountAndSpread) {
  const std::uint64_t elements = 25'600'000;
  const FaultMap m = sample("ber:1e-4", elements, 8, 0);
  const double mean = 1e-4 * elements * 8, sd = std::sqrt(mean * (1 - 1e-4));
  EXPECT_NEAR(static_cast<double>(m.size()), mean, kSigmas * sd);
  std::vector<double> buckets(16, 0.0);
  for (const Fault& f : m.faults()) buckets[f.bit * 16 / (elements * 8)] += 1;
  EXPECT_GT(test::chi_square_uniform(buckets), kAlpha);
}

// ---- stuck-at
// ---------------------------------------------------------------------------------------------------

TEST(Sampler, StuckAtChangesOnlyBitsThatDifferedAboutHalfOfThem) {
  const std::uint64_t elements = 250'000;
  memory::BitImage img(elements * 8);
  KeyedRng fill({1, 2, 3, 4});
  for (auto& w : img.words()) w = fill.next_u64();
  const memory::BitImage original = img;
  for (const char* spec : {"stuck0:1e-2", "stuck1:1e-2"}) {
    const bool stuck_value = spec[5] == '1';
    const FaultMap m = sample(spec, elements, 8, 0);
    const AppliedFaults applied = m.apply(img);
    std::uint64_t differed = 0;
    for (const Fault& f : m.faults()) {
      EXPECT_EQ(img.get(f.bit), stuck_value);
      differed += original.get(f.bit) != stuck_value;
    }
    EXPECT_EQ(applied.changed_bits().size(), differed) << spec;
    for (const std::uint64_t b : applied.changed_bits()) EXPECT_NE(original.get(b), stuck_value);
    // Random data: a stuck bit already holds the stuck value half the time.
    const double k = static_cast<double>(m.size());
    EXPECT_NEAR(static_cast<double>(differed), k / 2, kSigmas * std::sqrt(k / 4)) << spec;
    applied.undo(img);
    EXPECT_EQ(img.words(), original.words()) << spec;
  }
}

// ---- bursts
// -----------------------------------------------------------------------------------------------------

// Maximal runs of consecutive faulty bits, as (start, length).
std::vector<std::pair<std::uint64_t, std::uint64_t>> runs_of(const FaultMap& m) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
  for (const Fault& f : m.faults()) {
    if (!runs.empty() && runs.back().first + runs.back().second == f.bit) {
      ++runs.back().second;
    } else {
      runs.push_back({f.bit, 1});
    }
  }
  return runs;
}

TEST(Sampler, BurstsHaveTheirLengthAndRate) {
  const unsigned len = 3;
  const double p = 1e-3;
  const std::uint64_t nbits = 100'000;
  std::vector<double> burst_counts;
  std::uint64_t isolated = 0, runs_total = 0;
  for (int t = 0; t < 500; ++t) {
    const FaultMap m = sample("burst:1e-3:len=3", nbits / 8, 8, t);
    ASSERT_EQ(m.size() % len, 0u);
    for (const auto& [start, length] : runs_of(m)) {
      EXPECT_EQ(length % len, 0u) << "run at " << start;  // back-to-back bursts merge into multiples
      isolated += length == len;
      ++runs_total;
    }
    burst_counts.push_back(static_cast<double>(m.size() / len));
  }
  EXPECT_GT(static_cast<double>(isolated) / runs_total, 0.99);
  // A burst occupies len bits before the next may start: renewal rate p / (1 + (len - 1) p) per start slot.
  const double starts = static_cast<double>(nbits - len + 1);
  const double expected = starts * p / (1 + (len - 1) * p);
  const auto mv = test::mean_var(burst_counts);
  EXPECT_NEAR(mv.mean, expected, kSigmas * std::sqrt(expected / burst_counts.size()));
}

TEST(Sampler, BurstsNeverRunPastTheRegion) {
  // Rate 1 packs bursts from bit 0: 0-2, 3-5, 6-8; a burst at bit 9 would need bits 9-11 of a 10-bit region.
  const FaultMap packed = sample_faults(FaultModel::parse("burst:1:len=3"), {10, 1}, key(0));
  ASSERT_EQ(packed.size(), 9u);
  EXPECT_EQ(packed.faults().back().bit, 8u);
  EXPECT_TRUE(sample_faults(FaultModel::parse("burst:1:len=3"), {2, 1}, key(0)).empty());
  // At a high rate the last bits are often covered, but no fault ever falls outside.
  int last_bit_hit = 0;
  for (int t = 0; t < 2000; ++t) {
    const FaultMap m = sample("burst:0.5:len=4", 5, 7, t);  // 35 bits
    ASSERT_LT(m.faults().back().bit, 35u);
    last_bit_hit += m.faults().back().bit == 34;
  }
  EXPECT_GT(last_bit_hit, 0);
}

// ---- targeted
// -----------------------------------------------------------------------------------------------------

TEST(Sampler, TargetedFlipsHitExactlyTheNamedBitsOfTheNamedTensor) {
  const FaultModel m = FaultModel::parse("target:conv1.weight,3,7;4,0,1;conv1.weight,0,0");
  const FaultMap by_name = sample_faults(m, {10, 8, "conv1.weight"}, key(0, 9));
  EXPECT_EQ(by_name, FaultMap(80, {{0, FaultKind::kFlip}, {31, FaultKind::kFlip}}));
  const FaultMap by_id = sample_faults(m, {10, 8, "fc.weight"}, key(0, 4));
  EXPECT_EQ(by_id, FaultMap(80, {{1, FaultKind::kFlip}}));
  EXPECT_TRUE(sample_faults(m, {10, 8, "other"}, key(0, 5)).empty());
  EXPECT_TRUE(sample_faults(m, {10, 8, "conv1.weight"}, key(0, 9, Stream::kCheck)).empty());
  // Same result whatever the trial: targeted flips are not random.
  EXPECT_EQ(sample_faults(m, {10, 8, "conv1.weight"}, key(77, 9)), by_name);

  EXPECT_NE(error_of([&] {
              sample_faults(m, {3, 8, "conv1.weight"}, key(0));
            }).find("element 3 bit 7 is outside tensor 'conv1.weight' of 3 elements x 8 bits"),
            std::string::npos);
  const std::vector<ElementBit> twice = {{1, 1}, {1, 1}};
  EXPECT_THROW(targeted_flips({4, 8}, twice), std::invalid_argument);
}

// ---- bad input
// ------------------------------------------------------------------------------------------------

TEST(Sampler, RejectsModelsThatDoNotFitTheRegion) {
  EXPECT_NE(error_of([] {
              sample("ber:1e-3@bits=7", 10, 4, 0);
            }).find("names bit position 7 but elements are 4 bits wide"),
            std::string::npos);
  EXPECT_NE(error_of([] { sample("ber:1e-3", 10, 0, 0); }).find("element width 0 is outside [1, 64]"),
            std::string::npos);
  EXPECT_NE(error_of([] { sample("ber:1e-3", 1ULL << 62, 8, 0); }).find("overflow a 64-bit bit index"),
            std::string::npos);
  FaultModel nan_rate = FaultModel::parse("ber:0");
  nan_rate.rate = std::nan("");
  EXPECT_NE(error_of([&] {
              sample_faults(nan_rate, {10, 8}, key(0));
            }).find("is not a probability"),
            std::string::npos);
  // Built in code past the parser: 8 positions for 8-bit elements, but with a repeat and no bit 7. Taking
  // the count for "every bit" would flip bit 7 at rate 1; it must be refused instead.
  FaultModel repeated = FaultModel::parse("ber:1");
  repeated.bit_positions = {0, 0, 1, 2, 3, 4, 5, 6};
  EXPECT_NE(error_of([&] {
              sample_faults(repeated, {10, 8}, key(0));
            }).find("not sorted and unique"),
            std::string::npos);
  FaultModel unsorted = FaultModel::parse("ber:1");
  unsorted.bit_positions = {6, 2};
  EXPECT_NE(error_of([&] {
              sample_faults(unsorted, {10, 8}, key(0));
            }).find("not sorted and unique"),
            std::string::npos);
  FaultModel masked_burst = FaultModel::parse("burst:1e-3:len=2");
  masked_burst.bit_positions = {1};
  EXPECT_NE(error_of([&] {
              sample_faults(masked_burst, {10, 8}, key(0));
            }).find("do not take @bits"),
            std::string::npos);
}

}  // namespace
}  // namespace flipguard::faults
