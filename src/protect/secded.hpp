// Extended Hamming SECDED codes over k data bits: r Hamming check bits plus one overall parity bit.
// (72,64): k=64, r=7; (39,32): k=32, r=6; (13,8): k=8, r=4.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace flipguard::protect {

enum class SecdedKind { ecc72_64, ecc39_32, ecc13_8 };

enum class SecdedStatus {
  clean,            // syndrome zero, parity even
  corrected_data,   // odd parity, syndrome names a data bit: that bit was flipped back
  corrected_check,  // odd parity, syndrome names a check bit (or is zero: the overall parity bit)
  detected,         // even parity with a non-zero syndrome (double error), or a syndrome naming no bit
};

struct SecdedResult {
  std::uint64_t data;   // data word after correction
  std::uint32_t check;  // check bits after correction
  SecdedStatus status;
};

// Codeword positions 1..k+r as in textbook Hamming: check bit i sits at position 2^i, data bits fill the
// other positions in order. The stored check field holds Hamming bit i at bit i and the overall parity
// (even parity over data and Hamming bits) at bit r. Decoding uses only the stored bits, like a memory
// controller: three or more errors get mis-corrected or pass as whatever the syndrome says.
class SecdedCode {
 public:
  explicit SecdedCode(SecdedKind kind);

  SecdedKind kind() const { return kind_; }
  std::string name() const;  // "(72,64)" etc.
  unsigned data_bits() const { return k_; }
  unsigned check_bits() const { return r_ + 1; }

  std::uint32_t encode(std::uint64_t data) const;
  SecdedResult decode(std::uint64_t data, std::uint32_t check) const;

 private:
  std::uint32_t hamming(std::uint64_t data) const;
  std::uint64_t data_mask() const { return k_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k_) - 1; }

  SecdedKind kind_;
  unsigned k_, r_;
  std::array<std::uint64_t, 7> masks_{};  // data bits covered by Hamming check bit i
  std::vector<int> position_to_data_;     // data bit index at a codeword position, -1 for check/none
};

}  // namespace flipguard::protect
