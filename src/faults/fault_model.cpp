#include "faults/fault_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace flipguard::faults {

namespace {

// Bit positions within an element; 64 is the widest element any format stores.
constexpr unsigned kMaxBitPosition = 63;
constexpr unsigned kMaxBurstLength = 64;

[[noreturn]] void fail(std::string_view spec, const std::string& problem) {
  throw std::invalid_argument("fault model '" + std::string(spec) + "': " + problem);
}

std::uint64_t parse_u64(std::string_view spec, std::string_view text, const char* what) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    fail(spec, std::string(what) + " '" + std::string(text) + "' is not a non-negative integer");
  }
  return v;
}

double parse_rate(std::string_view spec, std::string_view text) {
  double p = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    fail(spec, "rate '" + std::string(text) + "' is not a number");
  }
  if (!(p >= 0.0 && p <= 1.0)) fail(spec, "rate " + std::string(text) + " is not a probability in [0, 1]");
  return p;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "0-4,6" -> {0,1,2,3,4,6}
std::vector<unsigned> parse_bit_list(std::string_view spec, std::string_view list) {
  std::vector<unsigned> bits;
  for (const std::string_view item : split(list, ',')) {
    const std::size_t dash = item.find('-');
    const std::string_view lo_text = item.substr(0, dash);
    const std::string_view hi_text = dash == std::string_view::npos ? item : item.substr(dash + 1);
    const std::uint64_t lo = parse_u64(spec, lo_text, "bit position");
    const std::uint64_t hi = parse_u64(spec, hi_text, "bit position");
    if (hi > kMaxBitPosition) {
      fail(spec, "bit position " + std::to_string(hi) + " is beyond " + std::to_string(kMaxBitPosition));
    }
    if (lo > hi) fail(spec, "bit range '" + std::string(item) + "' runs backwards");
    for (auto b = static_cast<unsigned>(lo); b <= hi; ++b) bits.push_back(b);
  }
  std::sort(bits.begin(), bits.end());
  bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
  return bits;
}

std::vector<BitTarget> parse_targets(std::string_view spec, std::string_view body) {
  std::vector<BitTarget> targets;
  for (const std::string_view item : split(body, ';')) {
    const auto fields = split(item, ',');
    if (fields.size() != 3 || fields[0].empty()) {
      fail(spec, "target '" + std::string(item) + "' is not <tensor>,<element>,<bit>");
    }
    const std::uint64_t bit = parse_u64(spec, fields[2], "bit position");
    if (bit > kMaxBitPosition) {
      fail(spec, "bit position " + std::to_string(bit) + " is beyond " + std::to_string(kMaxBitPosition));
    }
    targets.push_back(
        {std::string(fields[0]), parse_u64(spec, fields[1], "element index"), static_cast<unsigned>(bit)});
  }
  return targets;
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

}  // namespace

FaultModel FaultModel::parse(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    fail(spec, "expected <kind>:<parameters>, kinds are ber, stuck0, stuck1, burst, target");
  }
  const std::string_view kind = spec.substr(0, colon);
  std::string_view body = spec.substr(colon + 1);
  FaultModel m;

  if (kind == "target") {
    m.kind = FaultModelKind::kTargeted;
    m.targets = parse_targets(spec, body);
    return m;
  }
  if (kind == "burst") {
    m.kind = FaultModelKind::kBurst;
    const auto fields = split(body, ':');
    if (fields.size() != 2 || fields[1].substr(0, 4) != "len=") fail(spec, "expected burst:<p>:len=<L>");
    m.rate = parse_rate(spec, fields[0]);
    const std::uint64_t len = parse_u64(spec, fields[1].substr(4), "burst length");
    if (len < 1 || len > kMaxBurstLength) {
      fail(spec, "burst length " + std::to_string(len) + " is outside [1, " +
                     std::to_string(kMaxBurstLength) + "]");
    }
    m.burst_length = static_cast<unsigned>(len);
    return m;
  }
  if (kind == "ber") {
    m.kind = FaultModelKind::kBitErrorRate;
  } else if (kind == "stuck0") {
    m.kind = FaultModelKind::kStuck0;
  } else if (kind == "stuck1") {
    m.kind = FaultModelKind::kStuck1;
  } else {
    fail(spec, "unknown kind '" + std::string(kind) + "' (expected ber, stuck0, stuck1, burst or target)");
  }
  const std::size_t at = body.find('@');
  if (at != std::string_view::npos) {
    const std::string_view option = body.substr(at + 1);
    if (option.substr(0, 5) != "bits=")
      fail(spec, "unknown option '@" + std::string(option) + "' (expected @bits=)");
    m.bit_positions = parse_bit_list(spec, option.substr(5));
    body = body.substr(0, at);
  }
  m.rate = parse_rate(spec, body);
  return m;
}

std::string FaultModel::to_string() const {
  switch (kind) {
    case FaultModelKind::kTargeted: {
      std::string out = "target:";
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if (i > 0) out += ';';
        out += targets[i].tensor + "," + std::to_string(targets[i].element) + "," +
               std::to_string(targets[i].bit);
      }
      return out;
    }
    case FaultModelKind::kBurst:
      return "burst:" + format_rate(rate) + ":len=" + std::to_string(burst_length);
    case FaultModelKind::kBitErrorRate:
    case FaultModelKind::kStuck0:
    case FaultModelKind::kStuck1: {
      const char* name = kind == FaultModelKind::kBitErrorRate
                             ? "ber:"
                             : (kind == FaultModelKind::kStuck0 ? "stuck0:" : "stuck1:");
      std::string out = name + format_rate(rate);
      if (!bit_positions.empty()) out += "@bits=" + format_bits(bit_positions);
      return out;
    }
  }
  return "invalid";
}

}  // namespace flipguard::faults
