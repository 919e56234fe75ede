// The fault-prone memory: a flat array of bits. Everything a device stores for a tensor (the encoded
// weights, ECC check bits) lives in BitImages, and faults act on them by bit index only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flipguard::memory {

class BitImage {
 public:
  BitImage() = default;
  explicit BitImage(std::uint64_t nbits) : words_((nbits + 63) / 64, 0), nbits_(nbits) {}

  std::uint64_t size_bits() const { return nbits_; }

  bool get(std::uint64_t bit) const { return (words_[bit >> 6] >> (bit & 63)) & 1u; }
  void set(std::uint64_t bit, bool v) {
    const std::uint64_t m = std::uint64_t{1} << (bit & 63);
    words_[bit >> 6] = v ? (words_[bit >> 6] | m) : (words_[bit >> 6] & ~m);
  }
  void flip(std::uint64_t bit) { words_[bit >> 6] ^= std::uint64_t{1} << (bit & 63); }

  // Field access for elements of `width` <= 32 bits packed back to back (element i at bit i*width).
  std::uint32_t field(std::uint64_t index, unsigned width) const {
    const std::uint64_t bit = index * width;
    const std::uint64_t w = bit >> 6, off = bit & 63;
    std::uint64_t v = words_[w] >> off;
    if (off + width > 64) v |= words_[w + 1] << (64 - off);
    return static_cast<std::uint32_t>(v & ((std::uint64_t{1} << width) - 1));
  }
  void set_field(std::uint64_t index, unsigned width, std::uint32_t value) {
    for (unsigned b = 0; b < width; ++b) set(index * width + b, (value >> b) & 1u);
  }

  const std::vector<std::uint64_t>& words() const { return words_; }
  std::vector<std::uint64_t>& words() { return words_; }

 private:
  std::vector<std::uint64_t> words_;
  std::uint64_t nbits_ = 0;
};

}  // namespace flipguard::memory
