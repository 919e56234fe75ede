#include "campaign/campaign_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <toml.hpp>
#include <utility>

#include "campaign/settings.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

namespace {
// Position of the first byte that does not start a valid UTF-8 sequence (overlong forms, surrogates and code
// points past U+10FFFF included), or npos.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Sequence length and the allowed range of its second byte (the rest are 0x80..0xBF).
    size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (len > s.size() - i) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// The TOML value as the setting's type reads it. TOML integers are int64: a value the setting's range does
// not hold is an error here (toml::get<int> would cut 4294967301 to 5, toml::get<uint64_t> turn -1 into 2^64
// - 1).
SettingValue toml_setting_value(const Setting& s, const toml::value& v) {
  auto number = [](const toml::value& x) {
    return x.is_integer() ? static_cast<double>(x.as_integer()) : toml::get<double>(x);
  };
  switch (s.type) {
    case SettingType::text:
      return toml::get<std::string>(v);
    case SettingType::list:
      return toml::get<std::vector<std::string>>(v);
    case SettingType::rates: {
      std::vector<double> out;
      for (const auto& item : v.as_array()) out.push_back(number(item));
      return out;
    }
    case SettingType::integer: {
      const std::int64_t i = toml::get<std::int64_t>(v);
      if (static_cast<double>(i) < s.min || static_cast<double>(i) > s.max)
        throw std::runtime_error("'" + s.key + "' = " + std::to_string(i) + " is out of range " +
                                 s.range_text());
      return i;
    }
    case SettingType::number:
      return number(v);
    case SettingType::fraction:
      break;
  }
  throw std::runtime_error("'" + s.key + "' cannot be set in a file");
}

}  // namespace

void CampaignConfig::load_toml(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path + ": is a folder, not a campaign config (.toml)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the campaign config: " + std::strerror(errno));
  load_toml(in, path);
}

void CampaignConfig::load_toml(std::istream& in, const std::string& path) {
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // TOML files are UTF-8 by definition; checking first also keeps invalid bytes away from toml11 3.7, which
  // reads out of bounds while reporting them inside a literal string.
  if (const size_t at = invalid_utf8_at(text); at != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    throw std::runtime_error(path + ":" + std::to_string(line) + ": not valid UTF-8 (byte " +
                             std::to_string(at) + "); a TOML file must be UTF-8 text");
  }
  toml::value t;
  try {
    std::istringstream checked(text);
    t = toml::parse(checked, path);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  try {
    for (const auto& [key, value] : t.as_table()) {
      const Setting* s = find_setting_by_key(key);
      if (!s) throw std::runtime_error("unknown key '" + key + "'");
      const SettingValue v = toml_setting_value(*s, value);
      try {
        s->assign(*this, v);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error("'" + key + "': " + e.what());
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string CampaignConfig::fault_spec(double rate) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s:%.17g", fault.c_str(), rate);
  return buf;
}

void CampaignConfig::validate() const {
  try {
    for (const auto& s : settings())
      if (s.check) s.check(*this);
    // What the settings must satisfy together.
    if (ci_target > 0 && max_trials < min_trials)
      throw std::invalid_argument("max_trials must be in [min_trials, 1000000]");
    if (images > 0 && images_per_trial > images)
      throw std::invalid_argument("images_per_trial must be in [0, images] (0: every trial scores all)");
    for (const auto& p : protections) {
      const auto spec = protect::ProtectionSpec::parse(p);
      for (const auto& f : formats) spec.check_format(memory::Format::parse(f));
    }
    for (double b : bers) (void)faults::FaultModel::parse(fault_spec(b));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("campaign: ") + e.what());
  }
}

}  // namespace flipguard::campaign
