#include "protect/secded.hpp"

#include <bit>

namespace flipguard::protect {

namespace {
unsigned parity(std::uint64_t v) {
  return static_cast<unsigned>(std::popcount(v) & 1);
}
}  // namespace

SecdedCode::SecdedCode(SecdedKind kind) : kind_(kind) {
  switch (kind) {
    case SecdedKind::ecc72_64:
      k_ = 64, r_ = 7;
      break;
    case SecdedKind::ecc39_32:
      k_ = 32, r_ = 6;
      break;
    case SecdedKind::ecc13_8:
      k_ = 8, r_ = 4;
      break;
  }
  position_to_data_.assign(std::size_t{1} << r_, -1);
  unsigned pos = 1;
  for (unsigned j = 0; j < k_; ++j) {
    while (std::has_single_bit(pos)) ++pos;  // skip check-bit positions 1, 2, 4, ...
    position_to_data_[pos] = static_cast<int>(j);
    for (unsigned i = 0; i < r_; ++i)
      if (pos & (1u << i)) masks_[i] |= std::uint64_t{1} << j;
    ++pos;
  }
}

std::string SecdedCode::name() const {
  std::string s(1, '(');  // appended: GCC 12 raises a false -Wrestrict on "(" + std::string
  s += std::to_string(k_ + r_ + 1);
  s += ',';
  s += std::to_string(k_);
  s += ')';
  return s;
}

std::uint32_t SecdedCode::hamming(std::uint64_t data) const {
  std::uint32_t h = 0;
  for (unsigned i = 0; i < r_; ++i) h |= parity(data & masks_[i]) << i;
  return h;
}

std::uint32_t SecdedCode::encode(std::uint64_t data) const {
  data &= data_mask();
  const std::uint32_t h = hamming(data);
  return h | ((parity(data) ^ parity(h)) << r_);
}

SecdedResult SecdedCode::decode(std::uint64_t data, std::uint32_t check) const {
  data &= data_mask();
  check &= (2u << r_) - 1;
  const std::uint32_t rmask = (1u << r_) - 1;
  const std::uint32_t syndrome = hamming(data) ^ (check & rmask);
  const unsigned odd = parity(data) ^ parity(check);
  if (!odd) return {data, check, syndrome == 0 ? SecdedStatus::clean : SecdedStatus::detected};
  if (syndrome == 0) return {data, check ^ (1u << r_), SecdedStatus::corrected_check};
  if (std::has_single_bit(syndrome))
    return {data, check ^ (1u << std::countr_zero(syndrome)), SecdedStatus::corrected_check};
  const int j = position_to_data_[syndrome];
  if (j < 0) return {data, check, SecdedStatus::detected};  // points past the shortened codeword
  return {data ^ (std::uint64_t{1} << j), check, SecdedStatus::corrected_data};
}

}  // namespace flipguard::protect
