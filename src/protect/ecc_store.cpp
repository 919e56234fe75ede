#include "protect/ecc_store.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace flipguard::protect {

EccStore::EccStore(SecdedKind kind, const memory::BitImage& data)
    : code_(kind),
      data_bits_(data.size_bits()),
      words_((data.size_bits() + code_.data_bits() - 1) / code_.data_bits()),
      check_(words_ * code_.check_bits()) {
  for (std::uint64_t w = 0; w < words_; ++w)
    check_.set_field(w, code_.check_bits(), code_.encode(data_word(data, w)));
}

std::uint64_t EccStore::data_word(const memory::BitImage& data, std::uint64_t w) const {
  if (w >= words_)
    throw std::out_of_range("ecc: word " + std::to_string(w) + " past the " + std::to_string(words_) +
                            " words");
  const unsigned k = code_.data_bits();
  const std::uint64_t first = w * k;
  const std::uint64_t valid = std::min<std::uint64_t>(k, data_bits_ - first);
  std::uint64_t v;
  if (k == 64) {
    v = data.words()[w];
  } else {  // k = 32 or 8 divides 64: the word sits inside one 64-bit storage word
    v = (data.words()[first >> 6] >> (first & 63)) & ((std::uint64_t{1} << k) - 1);
  }
  return valid == 64 ? v : v & ((std::uint64_t{1} << valid) - 1);
}

SecdedResult EccStore::decode_word(const memory::BitImage& data, std::uint64_t w) const {
  return code_.decode(data_word(data, w), check_.field(w, code_.check_bits()));
}

void EccStore::put_data_word(memory::BitImage& data, std::uint64_t w, std::uint64_t value) const {
  const unsigned k = code_.data_bits();
  const std::uint64_t first = w * k;
  const std::uint64_t valid = std::min<std::uint64_t>(k, data_bits_ - first);
  const std::uint64_t mask = (valid == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << valid) - 1)
                             << (first & 63);
  auto& word = data.words()[first >> 6];
  word = (word & ~mask) | ((value << (first & 63)) & mask);
}

}  // namespace flipguard::protect
