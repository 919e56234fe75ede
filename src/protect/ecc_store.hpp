// SECDED over a stored image: consecutive k-bit data words of the data BitImage (the last one zero-padded),
// with each word's check bits in a separate BitImage, so faults can be sampled into the check bits from their
// own random stream while the data bits see the same flips with or without ECC.
#pragma once

#include <cstdint>

#include "memory/bit_image.hpp"
#include "protect/secded.hpp"

namespace flipguard::protect {

class EccStore {
 public:
  EccStore(SecdedKind kind, const memory::BitImage& data);

  const SecdedCode& code() const { return code_; }
  std::uint64_t words() const { return words_; }
  std::uint64_t data_bits() const { return data_bits_; }

  // Check bits of word w live at [w*c, (w+1)*c) with c = code().check_bits().
  memory::BitImage& check_bits() { return check_; }
  const memory::BitImage& check_bits() const { return check_; }
  std::uint64_t extra_bits() const { return check_.size_bits(); }

  std::uint64_t word_of_data_bit(std::uint64_t bit) const { return bit / code_.data_bits(); }
  std::uint64_t word_of_check_bit(std::uint64_t bit) const { return bit / code_.check_bits(); }

  // Raw data word w as stored now (bits past the image end read as 0), and its decode with the stored checks.
  std::uint64_t data_word(const memory::BitImage& data, std::uint64_t w) const;
  SecdedResult decode_word(const memory::BitImage& data, std::uint64_t w) const;

  // Writes a data word back (used to build a corrected copy of the whole image).
  void put_data_word(memory::BitImage& data, std::uint64_t w, std::uint64_t value) const;

 private:
  SecdedCode code_;
  std::uint64_t data_bits_, words_;
  memory::BitImage check_;
};

}  // namespace flipguard::protect
