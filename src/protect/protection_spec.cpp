#include "protect/protection_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace flipguard::protect {

namespace {

const char* const kValid =
    "scale, scale=T, scale-channel, scale-channel=T, scale@logits, scale@logits=T, ecc72, ecc39, ecc13 "
    "(optionally :keep or :zero), clip, clip-channel, nanguard, none";

std::vector<std::string> split_plus(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto p = s.find('+', start);
    std::string tok = s.substr(start, p == std::string::npos ? std::string::npos : p - start);
    const auto b = tok.find_first_not_of(" \t"), e = tok.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string{} : tok.substr(b, e - b + 1));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

// Weight scaling reads t as a float, scale@logits as a double, as each always has: canonical strings stay
// those of earlier results files ("scale@logits=0.3", not "=0.300000012").
template <typename T>
double parse_target(const std::string& value, const std::string& token, std::string_view spec) {
  std::size_t used = 0;
  T t = 0;
  try {
    if constexpr (std::is_same_v<T, float>)
      t = std::stof(value, &used);
    else
      t = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || !(t > 0) || !std::isfinite(t))
    throw std::invalid_argument("protection '" + token + "' in '" + std::string(spec) +
                                "': scale target must be a positive number, got '" + value + "'");
  return t;
}

}  // namespace

ProtectionSpec ProtectionSpec::parse(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  ProtectionSpec spec;
  const auto tokens = split_plus(s);
  if (tokens.size() == 1 && (tokens[0].empty() || tokens[0] == "none")) return spec;
  auto once = [&](bool already, const std::string& tok) {
    if (already)
      throw std::invalid_argument("protection '" + tok + "' given twice in '" + std::string(text) + "'");
  };
  for (const std::string& tok : tokens) {
    const auto eq = tok.find('=');
    const std::string head = tok.substr(0, eq);
    if (head == "scale" || head == "scale-channel" || head == "scale@logits") {
      Scaling sc;
      sc.at_logits = head == "scale@logits";
      if (spec.scaling && (sc.at_logits || spec.scaling->at_logits))
        throw std::invalid_argument("protection '" + std::string(text) +
                                    "': scale@logits already scales; do not add 'scale'");
      once(spec.scaling.has_value(), tok);
      sc.granularity = head == "scale-channel" ? Granularity::per_channel : Granularity::per_tensor;
      if (eq != std::string::npos)
        sc.target = sc.at_logits ? parse_target<double>(tok.substr(eq + 1), tok, text)
                                 : parse_target<float>(tok.substr(eq + 1), tok, text);
      spec.scaling = sc;
      continue;
    }
    if (eq != std::string::npos)
      throw std::invalid_argument("protection '" + tok + "' in '" + std::string(text) +
                                  "' takes no value (valid: " + kValid + ")");
    const auto colon = tok.find(':');
    const std::string base = tok.substr(0, colon);
    if (base == "ecc72" || base == "ecc39" || base == "ecc13") {
      once(spec.ecc.has_value(), tok);
      Ecc ecc;
      ecc.kind = base == "ecc72"   ? SecdedKind::ecc72_64
                 : base == "ecc39" ? SecdedKind::ecc39_32
                                   : SecdedKind::ecc13_8;
      if (colon != std::string::npos) {
        const std::string pol = tok.substr(colon + 1);
        if (pol == "keep") {
          ecc.policy = DoubleErrorPolicy::keep;
        } else if (pol != "zero") {
          throw std::invalid_argument("protection '" + tok + "' in '" + std::string(text) +
                                      "': double-error policy must be 'zero' or 'keep', got '" + pol + "'");
        }
      }
      spec.ecc = ecc;
    } else if (colon != std::string::npos) {
      throw std::invalid_argument("unknown protection '" + tok + "' in '" + std::string(text) +
                                  "' (valid: " + kValid + ")");
    } else if (tok == "clip" || tok == "clip-channel") {
      once(spec.clip.has_value(), tok);
      spec.clip = tok == "clip" ? Granularity::per_tensor : Granularity::per_channel;
    } else if (tok == "nanguard") {
      once(spec.nan_guard, tok);
      spec.nan_guard = true;
    } else {
      throw std::invalid_argument("unknown protection '" + tok + "' in '" + std::string(text) +
                                  "' (valid: " + kValid + ")");
    }
  }
  return spec;
}

std::string ProtectionSpec::to_string() const {
  std::vector<std::string> parts;
  if (scaling) {
    std::string p = scaling->at_logits                                ? "scale@logits"
                    : scaling->granularity == Granularity::per_tensor ? "scale"
                                                                      : "scale-channel";
    if (scaling->target) {
      std::ostringstream os;
      os.precision(9);
      if (scaling->at_logits)
        os << *scaling->target;
      else
        os << static_cast<float>(*scaling->target);
      p += '=';
      p += os.str();
    }
    parts.push_back(p);
  }
  if (ecc) {
    std::string p = ecc->kind == SecdedKind::ecc72_64   ? "ecc72"
                    : ecc->kind == SecdedKind::ecc39_32 ? "ecc39"
                                                        : "ecc13";
    if (ecc->policy == DoubleErrorPolicy::keep) p += ":keep";
    parts.push_back(p);
  }
  if (clip) parts.push_back(*clip == Granularity::per_tensor ? "clip" : "clip-channel");
  if (nan_guard) parts.push_back("nanguard");
  if (parts.empty()) return "none";
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    out += '+';
    out += parts[i];
  }
  return out;
}

double ProtectionSpec::scale_target(const memory::Format& format) const {
  if (!scaling) return 0;
  if (!scaling->target) return default_scale_target(format);
  return scaling->at_logits ? *scaling->target : static_cast<float>(*scaling->target);
}

void ProtectionSpec::check_format(const memory::Format& format) const {
  const double t = scale_target(format);
  if (t > 0 && !format.is_int8() && t > static_cast<double>(format.max_abs())) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "': scale target t = %g exceeds the largest value of %s (%g)", t,
                  format.name().c_str(), static_cast<double>(format.max_abs()));
    throw std::invalid_argument("protection '" + to_string() + buf);
  }
}

}  // namespace flipguard::protect
