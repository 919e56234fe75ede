// Keyed random streams: the numbers drawn for (seed, trial, tensor, stream) are a pure function of that key,
// so a trial sampled by any thread, shard or MPI rank, in any order, reproduces the serial run bit for bit.
#pragma once

#include <cstdint>
#include <stdexcept>

namespace flipguard::faults {

// Which random stream of a tensor's trial. Data bits and ECC check bits draw from separate streams so the
// data bits of a tensor see the same faults whatever protection (and thus whatever check-bit layout) is used.
// kImages draws a trial's image sample (campaigns that evaluate a fresh sample of the dataset per trial).
// kStrata draws a stratified trial's critical-fault count and positions (critical_conditioning.hpp).
// kActivations draws the faults of the values nodes write (fault_sites/activations/), kActivationCheck those
// of the SECDED check bits stored beside them (the same separation as kData and kCheck).
enum class Stream : std::uint64_t {
  kData = 0,
  kCheck = 1,
  kImages = 2,
  kStrata = 3,
  kActivations = 4,
  kActivationCheck = 5
};

struct RngKey {
  std::uint64_t seed = 0;
  std::uint64_t trial = 0;
  std::uint64_t tensor = 0;
  std::uint64_t stream = 0;

  friend bool operator==(const RngKey&, const RngKey&) = default;
};

// SplitMix64 finaliser: a bijection on 64-bit words with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** seeded from a hash of the key. Each key word is folded in with its own constant so that
// permuting the key's fields (trial 1, tensor 2 vs trial 2, tensor 1) gives unrelated streams.
class KeyedRng {
 public:
  explicit KeyedRng(const RngKey& key) {
    std::uint64_t h = mix64(key.seed ^ 0x243f6a8885a308d3ULL);
    h = mix64(h ^ key.trial ^ 0x13198a2e03707344ULL);
    h = mix64(h ^ key.tensor ^ 0xa4093822299f31d0ULL);
    h = mix64(h ^ key.stream ^ 0x082efa98ec4e6c89ULL);
    // SplitMix64 sequence from the hash, the seeding the xoshiro authors recommend (never all-zero in
    // practice).
    for (auto& w : s_) {
      h += 0x9e3779b97f4a7c15ULL;
      w = mix64(h);
    }
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in the open interval (0,1): the midpoint of one of 2^52 equal cells, so log(U) is finite and
  // never 0 (U = 1 exactly would force a geometric gap of 0 whatever the rate).
  double uniform_open() { return open_unit(next_u64()); }

  // The cell midpoint for 64 random bits. Only 52 of them are used: k + 0.5 with k < 2^52 fits a double's
  // 53-bit significand exactly, whereas with 53 bits the top cell's midpoint 1 - 2^-54 rounds to 1.0.
  static constexpr double open_unit(std::uint64_t bits) {
    return (static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52;
  }

  // Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("KeyedRng::below: empty range [0, 0)");
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the values that would be over-represented
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace flipguard::faults
