// A storage format: how a weight is turned into stored bits and how stored bits read back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memory/fixed_point.hpp"

namespace flipguard::memory {

enum class FormatKind { fp32, fp16, bf16, fixed, int8, int8_channel };

enum class BitRole { sign, exponent, mantissa, integer, fraction };

std::string_view to_string(BitRole role);

// A contiguous run of bits with one role, by bit index within the element (bit 0 = LSB).
struct BitField {
  BitRole role;
  unsigned lo;  // lowest bit index, inclusive
  unsigned hi;  // highest bit index, inclusive
  unsigned width() const { return hi - lo + 1; }
};

// Decode semantics (what a read of any stored pattern returns, faulty or not):
//  - fp32/fp16/bf16: IEEE reading. Inf patterns read as Inf and NaN patterns as NaN, as real hardware does;
//    turning those into something harmless is a read guard's job, never the format's.
//  - fixed Qm.n: every pattern is a finite number in [-2^m, 2^m - 2^-n]; never NaN or Inf.
//  - int8 / int8-channel: the signed integer times the FP32 scale (metadata, outside the faulty memory). The
//    pattern 0x80 is never written but reads as -128*scale.
// Encode semantics: round to nearest even everywhere; floats overflow to Inf, fixed point and int8 saturate;
// fixed point and int8 refuse NaN.
class Format {
 public:
  // "fp32", "fp16", "bf16", "qM.N" (1+M+N = 8 or 16, e.g. q2.5, q3.4, q1.6, q7.8), "int8", "int8-channel".
  // Case-insensitive. Anything else throws std::invalid_argument naming the string and the valid ones.
  static Format parse(std::string_view text);
  static Format fp32() { return Format(FormatKind::fp32); }
  static Format fp16() { return Format(FormatKind::fp16); }
  static Format bf16() { return Format(FormatKind::bf16); }
  static Format fixed(unsigned int_bits, unsigned frac_bits) {
    return Format(FixedPoint(int_bits, frac_bits));
  }
  static Format int8(bool per_channel = false) {
    return Format(per_channel ? FormatKind::int8_channel : FormatKind::int8);
  }

  FormatKind kind() const { return kind_; }
  std::string name() const;  // canonical spelling, parse(name()) == *this
  unsigned bits() const;     // bits per stored element
  bool is_float() const {
    return kind_ == FormatKind::fp32 || kind_ == FormatKind::fp16 || kind_ == FormatKind::bf16;
  }
  bool is_fixed() const { return kind_ == FormatKind::fixed; }
  bool is_int8() const { return kind_ == FormatKind::int8 || kind_ == FormatKind::int8_channel; }
  const FixedPoint& fixed_point() const;  // throws unless is_fixed()

  // Largest finite magnitude an encode can produce. For int8 it is in units of the scale (127).
  float max_abs() const;

  // Stored pattern (in the low bits() bits) for x. `scale` is the INT8 scale and is ignored by other formats.
  std::uint32_t encode(float x, float scale = 1.0f) const;
  float decode(std::uint32_t pattern, float scale = 1.0f) const;

  // Fields from the most significant bit down, e.g. fp16: sign[15] exponent[14..10] mantissa[9..0].
  std::vector<BitField> layout() const;
  BitRole role_of(unsigned bit) const;

  // The bit whose flip does the most damage to a weight of magnitude below 2: the top exponent bit of a
  // float (it multiplies such a weight by 2^(2^(e-1)), e.g. 2^128 in FP32), the sign bit of fixed point and
  // INT8 (its flip moves the value by the whole range). Campaigns stratify trials on how many faults hit
  // this bit, because that count alone often decides whether a float model collapses.
  unsigned critical_bit() const { return is_float() ? bits() - 2 : bits() - 1; }

  friend bool operator==(const Format& a, const Format& b) {
    return a.kind_ == b.kind_ &&
           (a.kind_ != FormatKind::fixed ||
            (a.fixed_.int_bits() == b.fixed_.int_bits() && a.fixed_.frac_bits() == b.fixed_.frac_bits()));
  }

 private:
  explicit Format(FormatKind k) : kind_(k) {}
  explicit Format(FixedPoint f) : kind_(FormatKind::fixed), fixed_(f) {}

  FormatKind kind_;
  FixedPoint fixed_{2, 5};
};

}  // namespace flipguard::memory
