#include "memory/format.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <limits>
#include <stdexcept>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"
#include "memory/int8_symmetric.hpp"

namespace flipguard::memory {

std::string_view to_string(BitRole role) {
  switch (role) {
    case BitRole::sign:
      return "sign";
    case BitRole::exponent:
      return "exponent";
    case BitRole::mantissa:
      return "mantissa";
    case BitRole::integer:
      return "integer";
    case BitRole::fraction:
      return "fraction";
  }
  return "?";
}

namespace {

const char* const kValidFormats =
    "fp32, fp16, bf16, qM.N with 1+M+N = 8 or 16 (e.g. q2.5, q3.4, q1.6, q7.8), int8, int8-channel";

bool parse_uint(std::string_view s, unsigned& out) {
  if (s.empty() || s.size() > 2) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

Format Format::parse(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "fp32") return fp32();
  if (s == "fp16") return fp16();
  if (s == "bf16") return bf16();
  if (s == "int8") return int8(false);
  if (s == "int8-channel") return int8(true);
  if (s.size() >= 4 && s[0] == 'q') {
    const auto dot = s.find('.');
    unsigned m = 0, n = 0;
    if (dot != std::string::npos && parse_uint(std::string_view(s).substr(1, dot - 1), m) &&
        parse_uint(std::string_view(s).substr(dot + 1), n)) {
      if (1 + m + n != 8 && 1 + m + n != 16)
        throw std::invalid_argument("format '" + std::string(text) +
                                    "': fixed point needs 1+M+N = 8 or 16 bits, got " +
                                    std::to_string(1 + m + n));
      return fixed(m, n);
    }
  }
  throw std::invalid_argument("unknown format '" + std::string(text) + "' (valid: " + kValidFormats + ")");
}

std::string Format::name() const {
  switch (kind_) {
    case FormatKind::fp32:
      return "fp32";
    case FormatKind::fp16:
      return "fp16";
    case FormatKind::bf16:
      return "bf16";
    case FormatKind::fixed: {
      std::string q(1, 'q');  // appended, not "q" + ...: GCC 12 raises a false -Wrestrict on that form
      q += std::to_string(fixed_.int_bits());
      q += '.';
      q += std::to_string(fixed_.frac_bits());
      return q;
    }
    case FormatKind::int8:
      return "int8";
    case FormatKind::int8_channel:
      return "int8-channel";
  }
  return "?";
}

unsigned Format::bits() const {
  switch (kind_) {
    case FormatKind::fp32:
      return 32;
    case FormatKind::fp16:
    case FormatKind::bf16:
      return 16;
    case FormatKind::fixed:
      return fixed_.bits();
    case FormatKind::int8:
    case FormatKind::int8_channel:
      return 8;
  }
  return 0;
}

const FixedPoint& Format::fixed_point() const {
  if (kind_ != FormatKind::fixed) throw std::logic_error("format " + name() + " is not fixed point");
  return fixed_;
}

float Format::max_abs() const {
  switch (kind_) {
    case FormatKind::fp32:
      return std::numeric_limits<float>::max();
    case FormatKind::fp16:
      return 65504.0f;
    case FormatKind::bf16:
      return bf16_to_fp32(0x7F7F);
    case FormatKind::fixed:
      return fixed_.max_value();
    case FormatKind::int8:
    case FormatKind::int8_channel:
      return 127.0f;
  }
  return 0.0f;
}

std::uint32_t Format::encode(float x, float scale) const {
  switch (kind_) {
    case FormatKind::fp32:
      return std::bit_cast<std::uint32_t>(x);
    case FormatKind::fp16:
      return fp32_to_fp16(x);
    case FormatKind::bf16:
      return fp32_to_bf16(x);
    case FormatKind::fixed:
      return fixed_.encode(x);
    case FormatKind::int8:
    case FormatKind::int8_channel:
      return int8_encode(x, scale);
  }
  return 0;
}

float Format::decode(std::uint32_t pattern, float scale) const {
  switch (kind_) {
    case FormatKind::fp32:
      return std::bit_cast<float>(pattern);
    case FormatKind::fp16:
      return fp16_to_fp32(static_cast<std::uint16_t>(pattern));
    case FormatKind::bf16:
      return bf16_to_fp32(static_cast<std::uint16_t>(pattern));
    case FormatKind::fixed:
      return fixed_.decode(pattern);
    case FormatKind::int8:
    case FormatKind::int8_channel:
      return int8_decode(pattern, scale);
  }
  return 0.0f;
}

std::vector<BitField> Format::layout() const {
  switch (kind_) {
    case FormatKind::fp32:
      return {{BitRole::sign, 31, 31}, {BitRole::exponent, 23, 30}, {BitRole::mantissa, 0, 22}};
    case FormatKind::fp16:
      return {{BitRole::sign, 15, 15}, {BitRole::exponent, 10, 14}, {BitRole::mantissa, 0, 9}};
    case FormatKind::bf16:
      return {{BitRole::sign, 15, 15}, {BitRole::exponent, 7, 14}, {BitRole::mantissa, 0, 6}};
    case FormatKind::fixed: {
      const unsigned m = fixed_.int_bits(), n = fixed_.frac_bits();
      std::vector<BitField> f{{BitRole::sign, m + n, m + n}};
      if (m > 0) f.push_back({BitRole::integer, n, n + m - 1});
      if (n > 0) f.push_back({BitRole::fraction, 0, n - 1});
      return f;
    }
    case FormatKind::int8:
    case FormatKind::int8_channel:
      return {{BitRole::sign, 7, 7}, {BitRole::integer, 0, 6}};
  }
  return {};
}

BitRole Format::role_of(unsigned bit) const {
  for (const BitField& f : layout())
    if (bit >= f.lo && bit <= f.hi) return f.role;
  throw std::out_of_range("format " + name() + " has " + std::to_string(bits()) + " bits, no bit " +
                          std::to_string(bit));
}

}  // namespace flipguard::memory
