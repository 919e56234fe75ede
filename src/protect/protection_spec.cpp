#include "protect/protection_spec.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include "protect/protection_registry.hpp"

namespace flipguard::protect {

namespace {

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

}  // namespace

ProtectionSpec ProtectionSpec::parse(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  ProtectionSpec spec;
  const auto tokens = split_plus(s);
  if (tokens.size() == 1 && (tokens[0].empty() || tokens[0] == "none")) return spec;
  const auto where = [&](const std::string& tok) {
    return "protection '" + tok + "' in '" + std::string(text) + "'";
  };
  std::vector<const ProtectionType*> seen;
  for (const std::string& tok : tokens) {
    // A token is a word, then its options after the first '=' or ':' (scale@logits=2.5, ecc39:keep).
    const std::size_t cut = tok.find_first_of("=:");
    const std::string_view word = std::string_view(tok).substr(0, cut);
    const std::string_view options =
        cut == std::string::npos ? std::string_view() : std::string_view(tok).substr(cut);
    const ProtectionType* type = protection_type_of_word(word);
    if (!type) throw std::invalid_argument("unknown " + where(tok) + " (valid: " + protection_forms() + ")");
    if (!options.empty() && !type->takes_options)
      throw std::invalid_argument(where(tok) + " takes no value (valid: " + protection_forms() + ")");
    if (std::find(seen.begin(), seen.end(), type) != seen.end())
      throw std::invalid_argument(where(tok) + ": one of " + std::string(type->syntax) + " at most");
    if (type->stage == ProtectionStage::storage_code)
      for (const ProtectionType* other : seen)
        if (other->stage == ProtectionStage::storage_code)
          throw std::invalid_argument(where(tok) + ": " + std::string(other->name) +
                                      " already codes the stored words; a spec takes one storage code");
    seen.push_back(type);
    if (!type->parse) {
      spec.added.push_back({type, tok});
      continue;
    }
    try {
      type->parse(word, options, spec);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where(tok) + ": " + e.what());
    }
  }
  return spec;
}

std::vector<ProtectionSpec::Part> ProtectionSpec::parts() const {
  std::vector<Part> out;
  for (const ProtectionType* type : protection_types()) {
    if (type->format) {
      if (std::string token = type->format(*this); !token.empty()) out.push_back({type, std::move(token)});
      continue;
    }
    for (const Added& a : added)
      if (a.type == type) out.push_back({type, a.token});
  }
  return out;
}

std::string ProtectionSpec::to_string() const {
  std::string out;
  for (const Part& part : parts()) out += (out.empty() ? "" : "+") + part.token;
  return out.empty() ? "none" : out;
}

std::uint64_t ProtectionSpec::extra_bits(std::uint64_t data_bits) const {
  std::uint64_t bits = 0;
  for (const Part& part : parts())
    if (part.type->extra_bits) bits += part.type->extra_bits(*this, data_bits);
  return bits;
}

double ProtectionSpec::scale_target(const memory::Format& format) const {
  if (!scaling) return 0;
  if (!scaling->target) return default_scale_target(format);
  return scaling->at_logits ? *scaling->target : static_cast<float>(*scaling->target);
}

void ProtectionSpec::check_format(const memory::Format& format) const {
  for (const Part& part : parts())
    if (part.type->check_format) part.type->check_format(*this, format);
}

}  // namespace flipguard::protect
