// SECDED codes: exhaustive single and double flips on whole codewords, triples against a positional
// reference, and the exact double/triple detection and miscorrection rates by exhaustive enumeration.
#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <vector>

#include "protect/secded.hpp"

namespace flipguard::protect {
namespace {

// Independent model of an extended Hamming codeword: an array of bits at positions 0..n, position 0 the
// overall parity, powers of two the Hamming checks, data in the remaining positions in order.
struct Reference {
  unsigned k, r, n;
  std::vector<int> data_pos;  // data bit j -> codeword position
  explicit Reference(const SecdedCode& c) : k(c.data_bits()), r(c.check_bits() - 1), n(k + r) {
    for (unsigned p = 1; data_pos.size() < k; ++p)
      if (!std::has_single_bit(p)) data_pos.push_back(static_cast<int>(p));
  }
  std::vector<int> word(std::uint64_t data, std::uint32_t check) const {
    std::vector<int> w(n + 1, 0);
    for (unsigned j = 0; j < k; ++j) w[data_pos[j]] = (data >> j) & 1;
    for (unsigned i = 0; i < r; ++i) w[1u << i] = (check >> i) & 1;
    w[0] = (check >> r) & 1;
    return w;
  }
  // Expected (data, status) of decoding a received word.
  SecdedResult decode(std::uint64_t data, std::uint32_t check) const {
    auto w = word(data, check);
    unsigned syn = 0, par = 0;
    for (unsigned p = 0; p <= n; ++p) {
      par ^= w[p];
      if (w[p] && p) syn ^= p;
    }
    SecdedStatus st = SecdedStatus::clean;
    if (par == 0 && syn != 0) st = SecdedStatus::detected;
    if (par == 1) {
      if (syn > n) {
        st = SecdedStatus::detected;
      } else {
        w[syn] ^= 1;  // syn == 0 is the overall parity bit
        st = (syn == 0 || std::has_single_bit(syn)) ? SecdedStatus::corrected_check
                                                    : SecdedStatus::corrected_data;
      }
    }
    std::uint64_t d = 0;
    for (unsigned j = 0; j < k; ++j) d |= static_cast<std::uint64_t>(w[data_pos[j]]) << j;
    return {d, 0, st};
  }
};

// Flip codeword bit b: bits 0..k-1 are data, k.. are the check field.
void flip(unsigned b, unsigned k, std::uint64_t& data, std::uint32_t& check) {
  if (b < k)
    data ^= std::uint64_t{1} << b;
  else
    check ^= 1u << (b - k);
}

std::vector<std::uint64_t> sample_words(unsigned k) {
  const std::uint64_t mask = k == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
  std::vector<std::uint64_t> v{0, mask, 0x5555555555555555ull & mask};
  std::mt19937_64 rng(k);
  for (int i = 0; i < 12; ++i) v.push_back(rng() & mask);
  return v;
}

class SecdedTest : public ::testing::TestWithParam<SecdedKind> {};

TEST_P(SecdedTest, SizesAndCleanWords) {
  const SecdedCode c(GetParam());
  const unsigned expect_check = c.data_bits() == 64 ? 8 : c.data_bits() == 32 ? 7 : 5;
  EXPECT_EQ(c.check_bits(), expect_check);
  for (const auto d : sample_words(c.data_bits())) {
    const auto r = c.decode(d, c.encode(d));
    EXPECT_EQ(r.status, SecdedStatus::clean);
    EXPECT_EQ(r.data, d);
  }
}

TEST_P(SecdedTest, CorrectsEverySingleFlipInDataAndCheckBits) {
  const SecdedCode c(GetParam());
  const unsigned k = c.data_bits(), n = k + c.check_bits();
  for (const auto d0 : sample_words(k)) {
    const std::uint32_t c0 = c.encode(d0);
    for (unsigned b = 0; b < n; ++b) {
      std::uint64_t d = d0;
      std::uint32_t ch = c0;
      flip(b, k, d, ch);
      const auto r = c.decode(d, ch);
      ASSERT_EQ(r.status, b < k ? SecdedStatus::corrected_data : SecdedStatus::corrected_check)
          << "bit " << b;
      ASSERT_EQ(r.data, d0) << "bit " << b;
      ASSERT_EQ(r.check, c0) << "bit " << b;
    }
  }
}

TEST_P(SecdedTest, DetectsEveryDoubleFlip) {
  const SecdedCode c(GetParam());
  const unsigned k = c.data_bits(), n = k + c.check_bits();
  for (const auto d0 : sample_words(k)) {
    const std::uint32_t c0 = c.encode(d0);
    for (unsigned a = 0; a < n; ++a)
      for (unsigned b = a + 1; b < n; ++b) {
        std::uint64_t d = d0;
        std::uint32_t ch = c0;
        flip(a, k, d, ch);
        flip(b, k, d, ch);
        ASSERT_EQ(c.decode(d, ch).status, SecdedStatus::detected) << "bits " << a << "," << b;
      }
  }
}

TEST_P(SecdedTest, TripleFlipsFollowTheSyndromeLikeHardware) {
  const SecdedCode c(GetParam());
  const Reference ref(c);
  const unsigned k = c.data_bits(), n = k + c.check_bits();
  std::mt19937 rng(3);
  int miscorrected = 0, detected = 0;
  for (const auto d0 : sample_words(k)) {
    const std::uint32_t c0 = c.encode(d0);
    for (int t = 0; t < 400; ++t) {
      unsigned a = rng() % n, b = rng() % n, e = rng() % n;
      if (a == b || b == e || a == e) continue;
      std::uint64_t d = d0;
      std::uint32_t ch = c0;
      flip(a, k, d, ch);
      flip(b, k, d, ch);
      flip(e, k, d, ch);
      const auto got = c.decode(d, ch), want = ref.decode(d, ch);
      ASSERT_EQ(got.status, want.status) << a << "," << b << "," << e;
      ASSERT_EQ(got.data, want.data) << a << "," << b << "," << e;
      ASSERT_NE(got.status, SecdedStatus::clean);  // odd weight: never looks clean
      miscorrected += got.status != SecdedStatus::detected;
      detected += got.status == SecdedStatus::detected;
    }
  }
  EXPECT_GT(miscorrected, 0);  // a triple usually passes as a (wrong) single correction
  // All three codes are shortened: (72,64) names 71 of its 128 syndromes, (39,32) 38 of 64, (13,8) 12 of
  // 16, so some triples land on a syndrome that names no bit and are detected.
  EXPECT_GT(detected, 0);
}

struct Outcomes {
  long words = 0, detected = 0, miscorrected = 0, wrong_data = 0;
};

// Every pattern of `weight` flipped bits over the whole codeword (data and check bits). The code is linear,
// so the outcome depends on the error pattern only, not on the data word: the counts are exact rates.
Outcomes enumerate(const SecdedCode& c, int weight, std::uint64_t d0) {
  const unsigned k = c.data_bits(), n = k + c.check_bits();
  const std::uint32_t c0 = c.encode(d0);
  Outcomes o;
  std::vector<unsigned> bits(static_cast<std::size_t>(weight));
  const auto visit = [&]() {
    std::uint64_t d = d0;
    std::uint32_t ch = c0;
    for (unsigned b : bits) flip(b, k, d, ch);
    const auto r = c.decode(d, ch);
    ++o.words;
    if (r.status == SecdedStatus::detected)
      ++o.detected;
    else
      ++o.miscorrected;
    o.wrong_data += r.status != SecdedStatus::detected && r.data != d0;
  };
  for (unsigned a = 0; a < n; ++a)
    for (unsigned b = a + 1; b < n; ++b) {
      bits[0] = a, bits[1] = b;
      if (weight == 2) {
        visit();
        continue;
      }
      for (unsigned e = b + 1; e < n; ++e) {
        bits[2] = e;
        visit();
      }
    }
  return o;
}

// The rates in docs/protections.md, pinned: every double is detected; a triple is detected only when its
// syndrome names no bit of the shortened codeword, otherwise the decoder "corrects" a fourth bit and
// reports success with wrong data.
TEST_P(SecdedTest, DoubleAndTripleRatesByExhaustiveEnumeration) {
  const SecdedCode c(GetParam());
  struct Expected {
    long pairs, triples, triples_detected;
  };
  const Expected want = GetParam() == SecdedKind::ecc72_64   ? Expected{2556, 59640, 14336}
                        : GetParam() == SecdedKind::ecc39_32 ? Expected{741, 9139, 2807}
                                                             : Expected{78, 286, 66};
  for (const std::uint64_t d0 : {std::uint64_t{0}, sample_words(c.data_bits()).back()}) {
    const Outcomes two = enumerate(c, 2, d0);
    EXPECT_EQ(two.words, want.pairs);
    EXPECT_EQ(two.detected, want.pairs);
    EXPECT_EQ(two.miscorrected, 0);
    const Outcomes three = enumerate(c, 3, d0);
    EXPECT_EQ(three.words, want.triples);
    EXPECT_EQ(three.detected, want.triples_detected);
    EXPECT_EQ(three.miscorrected, want.triples - want.triples_detected);
    EXPECT_EQ(three.wrong_data, three.miscorrected);  // every miscorrection leaves the data wrong
  }
}

INSTANTIATE_TEST_SUITE_P(Codes, SecdedTest,
                         ::testing::Values(SecdedKind::ecc72_64, SecdedKind::ecc39_32, SecdedKind::ecc13_8));

}  // namespace
}  // namespace flipguard::protect
