// The protection stack: ECC over stored images, guards, sparse reads agreeing with full reads, costs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "protect/protected_tensor.hpp"

namespace flipguard::protect {
namespace {

std::vector<float> weights(std::size_t n, unsigned seed, float sigma = 0.1f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

bool same(float a, float b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

TEST(ProtectedTensor, EccKeepsDataBitsIdenticalForCommonRandomNumbers) {
  const auto w = weights(1000, 1);
  const ProtectedTensor plain(ProtectionSpec{}, memory::Format::fp16(), w);
  for (const char* s : {"ecc72", "ecc39", "ecc13"}) {
    const ProtectedTensor e(ProtectionSpec::parse(s), memory::Format::fp16(), w);
    EXPECT_EQ(e.data_bits().words(), plain.data_bits().words()) << s;
    EXPECT_EQ(e.read_all(), plain.read_all()) << s;
  }
  EXPECT_EQ(plain.check_bits().size_bits(), 0u);
}

TEST(ProtectedTensor, EccOverheadInBits) {
  const auto w = weights(1024, 2);
  struct Case {
    const char* spec;
    double overhead;
  };
  for (const Case c : {Case{"ecc72", 8.0 / 64}, Case{"ecc39", 7.0 / 32}, Case{"ecc13", 5.0 / 8}}) {
    const ProtectedTensor t(ProtectionSpec::parse(c.spec), memory::Format::fp16(), w);
    EXPECT_DOUBLE_EQ(t.memory_overhead(), c.overhead) << c.spec;
    std::uint64_t sum = 0;
    for (const auto& cost : t.costs()) sum += cost.extra_bits;
    EXPECT_EQ(sum, t.extra_bits());
    EXPECT_EQ(sum, t.check_bits().size_bits());
  }
  // A partial last word is padded: 10 fp16 = 160 bits = 3 words of (72,64).
  const ProtectedTensor small(ProtectionSpec::parse("ecc72"), memory::Format::fp16(),
                              std::vector<float>(10, 0.5f));
  EXPECT_EQ(small.extra_bits(), 24u);
}

class EccStackTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EccStackTest, EverySingleFlipInDataOrCheckBitsReadsClean) {
  const auto w = weights(10, 3);  // 10 fp16: last (72,64) and (39,32) words are partial
  ProtectedTensor t(ProtectionSpec::parse(GetParam()), memory::Format::fp16(), w);
  const auto clean = t.read_all();
  for (std::uint64_t b = 0; b < t.data_bits().size_bits(); ++b) {
    t.data_bits().flip(b);
    EccCounts n;
    ASSERT_EQ(t.read_all(&n), clean) << "data bit " << b;
    ASSERT_EQ(n.corrected_data, 1u);
    const std::uint64_t touched[] = {b};
    for (const auto& ev : t.read_touched(touched)) ASSERT_EQ(ev.value, clean[ev.index]);
    t.data_bits().flip(b);
  }
  for (std::uint64_t b = 0; b < t.check_bits().size_bits(); ++b) {
    t.check_bits().flip(b);
    EccCounts n;
    ASSERT_EQ(t.read_all(&n), clean) << "check bit " << b;
    ASSERT_EQ(n.corrected_check, 1u);
    const std::uint64_t touched[] = {b};
    const auto got = t.read_touched({}, touched);
    EXPECT_FALSE(got.empty());
    for (const auto& ev : got) ASSERT_EQ(ev.value, clean[ev.index]);
    t.check_bits().flip(b);
  }
}

TEST_P(EccStackTest, DoubleFlipInOneWordZeroesOrKeepsItsWeights) {
  const auto w = weights(64, 4, 0.5f);
  const std::string spec = GetParam();
  ProtectedTensor zero(ProtectionSpec::parse(spec), memory::Format::fp16(), w);
  ProtectedTensor keep(ProtectionSpec::parse(spec + ":keep"), memory::Format::fp16(), w);
  ProtectedTensor none(ProtectionSpec{}, memory::Format::fp16(), w);
  const auto clean = zero.read_all();
  const unsigned k = spec == "ecc72" ? 64 : spec == "ecc39" ? 32 : 8;
  // Two data bits of word 1 (bits k+1 and k+k-2) and, separately, one data and one check bit of word 1.
  for (ProtectedTensor* t : {&zero, &keep, &none}) {
    t->data_bits().flip(k + 1);
    t->data_bits().flip(k + k - 2);
  }
  EccCounts n;
  const auto rz = zero.read_all(&n), rk = keep.read_all(), rn = none.read_all();
  EXPECT_EQ(n.detected, 1u);
  const std::uint64_t touched[] = {k + 1, k + k - 2};
  const auto sparse = zero.read_touched(touched);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const bool in_word = i * 16 + 15 >= k && i * 16 < 2 * k;  // element overlaps word 1
    EXPECT_EQ(rz[i], in_word ? 0.0f : clean[i]) << i;
    EXPECT_TRUE(same(rk[i], rn[i])) << i;  // kept as read = what an unprotected read sees
  }
  for (const auto& ev : sparse) EXPECT_EQ(ev.value, rz[ev.index]);
  EXPECT_FALSE(sparse.empty());
}

TEST_P(EccStackTest, SparseReadsAgreeWithFullReadsUnderManyFaults) {
  for (const char* fmt : {"fp32", "fp16", "q2.5", "int8-channel"}) {
    const auto w = weights(96, 5);
    ProtectedTensor t(ProtectionSpec::parse(std::string("scale+") + GetParam() + "+nanguard+clip"),
                      memory::Format::parse(fmt), w, 4);
    const auto clean = t.read_all();
    std::mt19937_64 rng(6);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<std::uint64_t> d, c;
      for (int f = 0; f < 1 + trial % 7; ++f) d.push_back(rng() % t.data_bits().size_bits());
      for (int f = 0; f < trial % 3; ++f) c.push_back(rng() % t.check_bits().size_bits());
      std::sort(d.begin(), d.end());
      d.erase(std::unique(d.begin(), d.end()), d.end());
      std::sort(c.begin(), c.end());
      c.erase(std::unique(c.begin(), c.end()), c.end());
      for (auto b : d) t.data_bits().flip(b);
      for (auto b : c) t.check_bits().flip(b);
      const auto full = t.read_all();
      const auto sparse = t.read_touched(d, c);
      std::set<std::size_t> seen;
      for (const auto& ev : sparse) {
        ASSERT_TRUE(same(ev.value, full[ev.index])) << fmt << " element " << ev.index;
        ASSERT_EQ(ev.value, t.read(ev.index));
        seen.insert(ev.index);
      }
      for (std::size_t i = 0; i < full.size(); ++i) {
        if (!seen.count(i)) {
          ASSERT_EQ(full[i], clean[i]) << fmt << " untouched element " << i << " changed";
        }
      }
      for (auto b : d) t.data_bits().flip(b);
      for (auto b : c) t.check_bits().flip(b);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codes, EccStackTest, ::testing::Values("ecc72", "ecc39", "ecc13"));

TEST(ProtectedTensor, SparseReadWithoutEccReturnsExactlyTheTouchedElements) {
  const auto w = weights(100, 7);
  ProtectedTensor t(ProtectionSpec{}, memory::Format::bf16(), w);
  const std::uint64_t touched[] = {3 * 16 + 14, 3 * 16 + 2, 50 * 16};
  for (auto b : touched) t.data_bits().flip(b);
  const auto got = t.read_touched(touched);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].index, 3u);
  EXPECT_EQ(got[1].index, 50u);
  EXPECT_EQ(got[0].value, t.stored().decode(3));
  const std::uint64_t check[] = {0};
  EXPECT_THROW(t.read_touched(touched, check), std::invalid_argument);
  const std::uint64_t outside[] = {100 * 16};
  EXPECT_THROW(t.read_touched(outside), std::out_of_range);
}

TEST(ProtectedTensor, NanGuardAndClip) {
  const std::vector<float> w{1.5f, -0.25f, 0.5f, 0.75f};
  // fp16 1.5 = 0x3E00; flipping bit 14 gives 0x7E00, a NaN; bit 14 of 0.5 (0x3800) gives 0x7800 = 32768.
  ProtectedTensor bare(ProtectionSpec{}, memory::Format::fp16(), w);
  ProtectedTensor guarded(ProtectionSpec::parse("nanguard"), memory::Format::fp16(), w);
  ProtectedTensor clipped(ProtectionSpec::parse("clip"), memory::Format::fp16(), w);
  ProtectedTensor both(ProtectionSpec::parse("nanguard+clip"), memory::Format::fp16(), w);
  for (ProtectedTensor* t : {&bare, &guarded, &clipped, &both}) {
    EXPECT_EQ(t->read_all(), w);  // guards are no-ops without faults
    t->data_bits().flip(0 * 16 + 14);
    t->data_bits().flip(2 * 16 + 14);
  }
  EXPECT_TRUE(std::isnan(bare.read(0)));
  EXPECT_EQ(bare.read(2), 32768.0f);
  EXPECT_EQ(guarded.read(0), 0.0f);
  EXPECT_EQ(guarded.read(2), 32768.0f);
  EXPECT_TRUE(std::isnan(clipped.read(0)));  // NaN is not clipped (no order to clamp by)
  EXPECT_EQ(clipped.read(2), 1.5f);          // clamped to the clean max
  EXPECT_EQ(both.read(0), 0.0f);
  EXPECT_EQ(both.read(2), 1.5f);
}

TEST(ProtectedTensor, PerChannelClipUsesEachChannelsRange) {
  const std::vector<float> w{0.1f, 0.2f, -3.0f, 4.0f};  // channels {0.1, 0.2} and {-3, 4}
  ProtectedTensor t(ProtectionSpec::parse("clip-channel"), memory::Format::fp32(), w, 2);
  t.data_bits().flip(0 * 32 + 30);  // 0.1 -> ~3.4e37
  t.data_bits().flip(3 * 32 + 30);  // 4.0 exponent MSB 1 -> 0: tiny
  EXPECT_EQ(t.read(0), 0.2f);
  EXPECT_EQ(t.read(3), 0x1p-126f);  // inside its channel's range: left alone
}

TEST(ProtectedTensor, CostsListEveryLayer) {
  const auto w = weights(64, 8);
  const ProtectedTensor t(ProtectionSpec::parse("scale-channel+ecc39+nanguard+clip"),
                          memory::Format::fixed(2, 5), w, 4);
  const auto costs = t.costs();
  ASSERT_EQ(costs.size(), 5u);  // scale, format, ecc, nanguard, clip
  EXPECT_EQ(costs[0].metadata_bits, 4u * 32);
  EXPECT_EQ(costs[2].extra_bits, t.check_bits().size_bits());
  for (const auto& c : costs) EXPECT_FALSE(c.read_work.empty()) << c.name;
  EXPECT_THROW(ProtectedTensor(ProtectionSpec{}, memory::Format::fp16(), w, 5), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::protect
