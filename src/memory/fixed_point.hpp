// Signed fixed point Qm.n: one sign bit, m integer bits, n fraction bits, two's complement.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace flipguard::memory {

class FixedPoint {
 public:
  // Total width 1+m+n must be 8 or 16 (the widths devices store weights in).
  FixedPoint(unsigned int_bits, unsigned frac_bits) : m_(int_bits), n_(frac_bits) {
    // Each part is bounded first: the unsigned sum 1+M+N could otherwise wrap around to 8 or 16.
    const unsigned w = m_ < 16 && n_ < 16 ? 1 + m_ + n_ : 0;
    if (w != 8 && w != 16)
      throw std::invalid_argument("fixed point q" + std::to_string(m_) + "." + std::to_string(n_) +
                                  ": needs 1+M+N = 8 or 16 bits, got " +
                                  std::to_string(1 + std::uint64_t{m_} + n_));
  }

  unsigned int_bits() const { return m_; }
  unsigned frac_bits() const { return n_; }
  unsigned bits() const { return 1 + m_ + n_; }
  std::int32_t raw_max() const { return (std::int32_t{1} << (m_ + n_)) - 1; }
  std::int32_t raw_min() const { return -(std::int32_t{1} << (m_ + n_)); }
  float max_value() const { return std::ldexp(static_cast<float>(raw_max()), -static_cast<int>(n_)); }
  float min_value() const { return std::ldexp(static_cast<float>(raw_min()), -static_cast<int>(n_)); }

  // Round x*2^n to nearest even, saturate to [raw_min, raw_max] (Inf saturates too). NaN has no fixed-point
  // representation, so it is refused rather than silently stored as some number.
  std::uint32_t encode(float x) const {
    if (std::isnan(x))
      throw std::invalid_argument("fixed point q" + std::to_string(m_) + "." + std::to_string(n_) +
                                  ": cannot encode NaN");
    const double v = std::ldexp(static_cast<double>(x), static_cast<int>(n_));  // exact in double
    std::int64_t r;
    if (v >= raw_max()) {
      r = raw_max();
    } else if (v <= raw_min()) {
      r = raw_min();
    } else {
      const double f = std::floor(v), d = v - f;  // both exact
      r = static_cast<std::int64_t>(f);
      if (d > 0.5 || (d == 0.5 && (r & 1))) ++r;
    }
    return static_cast<std::uint32_t>(r) & ((1u << bits()) - 1);
  }

  // Any pattern is a number: fixed point never reads as NaN or Inf.
  float decode(std::uint32_t pattern) const {
    const unsigned drop = 32 - bits();
    const auto s = static_cast<std::int32_t>(pattern << drop) >> drop;  // sign-extend (arithmetic shift)
    return std::ldexp(static_cast<float>(s), -static_cast<int>(n_));    // exact: |s| <= 2^15
  }

 private:
  unsigned m_, n_;
};

}  // namespace flipguard::memory
