#include "faults/spec_grammar.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace flipguard::faults::spec {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::uint64_t parse_u64(std::string_view text, const char* what) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(std::string(what) + " '" + std::string(text) +
                                "' is not a non-negative integer");
  }
  return v;
}

unsigned parse_bit_position(std::string_view text) {
  const std::uint64_t bit = parse_u64(text, "bit position");
  if (bit > kMaxBitPosition) {
    throw std::invalid_argument("bit position " + std::to_string(bit) + " is beyond " +
                                std::to_string(kMaxBitPosition));
  }
  return static_cast<unsigned>(bit);
}

double parse_rate(std::string_view text) {
  double p = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument("rate '" + std::string(text) + "' is not a number");
  }
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument("rate " + std::string(text) + " is not a probability in [0, 1]");
  }
  return p;
}

double parse_real(std::string_view text, const char* what) {
  double x = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(x))
    throw std::invalid_argument(std::string(what) + " '" + std::string(text) + "' is not a finite number");
  return x;
}

std::vector<unsigned> parse_bit_list(std::string_view list) {
  std::vector<unsigned> bits;
  for (const std::string_view item : split(list, ',')) {
    const std::size_t dash = item.find('-');
    const std::string_view lo_text = item.substr(0, dash);
    const std::string_view hi_text = dash == std::string_view::npos ? item : item.substr(dash + 1);
    const std::uint64_t lo = parse_u64(lo_text, "bit position");
    const unsigned hi = parse_bit_position(hi_text);
    if (lo > hi) throw std::invalid_argument("bit range '" + std::string(item) + "' runs backwards");
    for (auto b = static_cast<unsigned>(lo); b <= hi; ++b) bits.push_back(b);
  }
  std::sort(bits.begin(), bits.end());
  bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
  return bits;
}

std::string format_rate(double p) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, p);  // shortest form that reads back exactly
  std::string out(buf, res.ptr);
  // "1e-04" -> "1e-4": the spelling people write in specs.
  const std::size_t e = out.find('e');
  if (e != std::string::npos) {
    std::size_t digits = e + 1;
    if (digits < out.size() && (out[digits] == '-' || out[digits] == '+')) {
      if (out[digits] == '+')
        out.erase(digits, 1);
      else
        ++digits;
    }
    while (digits + 1 < out.size() && out[digits] == '0') out.erase(digits, 1);
  }
  return out;
}

std::string format_bits(const std::vector<unsigned>& bits) {
  std::string out;
  for (std::size_t i = 0; i < bits.size();) {
    std::size_t j = i;
    while (j + 1 < bits.size() && bits[j + 1] == bits[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(bits[i]);
    if (j > i) {
      // Appended in two steps: "-" + std::to_string(...) trips GCC 12's false -Wrestrict at -O3.
      out += '-';
      out += std::to_string(bits[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace flipguard::faults::spec
