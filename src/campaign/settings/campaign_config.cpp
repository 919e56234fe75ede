#include "campaign/settings/campaign_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <toml.hpp>
#include <utility>

#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/second_rate.hpp"
#include "campaign/settings/settings.hpp"
#include "faults/fault_model.hpp"
#include "faults/fault_model_registry.hpp"
#include "memory/format.hpp"
#include "platform/input_file.hpp"
#include "platform/utf8.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

namespace {
// The TOML value as the setting's type reads it. TOML integers are int64: a value the setting's range does
// not hold is an error here (toml::get<int> would cut 4294967301 to 5, toml::get<uint64_t> turn -1 into 2^64
// - 1).
SettingValue toml_setting_value(const Setting& s, const toml::value& v) {
  auto number = [](const toml::value& x) {
    return x.is_integer() ? static_cast<double>(x.as_integer()) : toml::get<double>(x);
  };
  switch (s.type) {
    case SettingType::text:
      // A number where text is expected (crop = 224, scale = 0.0039): its own spelling.
      if (v.is_integer()) return std::to_string(v.as_integer());
      if (v.is_floating()) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v.as_floating());
        return std::string(buf);
      }
      return toml::get<std::string>(v);
    case SettingType::numbers: {
      std::vector<double> out;
      for (const auto& item : v.as_array()) out.push_back(number(item));
      return out;
    }
    case SettingType::list:
      return toml::get<std::vector<std::string>>(v);
    case SettingType::rates: {
      std::vector<double> out;
      for (const auto& item : v.as_array()) out.push_back(number(item));
      return out;
    }
    case SettingType::integer: {
      if (s.auto_value && v.is_string()) {
        const auto text = toml::get<std::string>(v);
        if (text == "auto") return text;  // the setting's assign() stores it
        throw std::runtime_error("'" + s.key + "' = \"" + text + "\": expects an integer or \"auto\"");
      }
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
  std::istringstream in(platform::read_regular_file(path, "a campaign config (.toml)"));
  load_toml(in, path);
}

void CampaignConfig::load_toml(std::istream& in, const std::string& path) {
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // TOML files are UTF-8 by definition; checking first also keeps invalid bytes away from toml11 3.7, which
  // reads out of bounds while reporting them inside a literal string.
  if (const size_t at = platform::invalid_utf8_at(text); at != std::string_view::npos) {
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
  return campaign::fault_spec(fault, rate);
}

std::string CampaignConfig::second_fault_spec(double cell_rate) const {
  if (!has_second_site()) return {};
  const double rate = parse_second_rate(second_ber).at(cell_rate);
  return rate > 0 ? campaign::fault_spec(second_fault, rate) : std::string();
}

namespace {

// The second site against the first and the grid: another site, its format and protection, and a rate in
// [0, 1] in every cell of the grid.
void validate_second_site(const CampaignConfig& c) {
  if (!c.has_second_site()) return;
  if (c.second_site == c.site)
    throw std::invalid_argument("second_site '" + c.second_site +
                                "' is the campaign's site: name the other one (a site takes one "
                                "configuration per cell)");
  const auto format = memory::Format::parse(c.second_format);
  protect::ProtectionSpec::parse(c.second_protection).check_format(format);
  const auto rate = parse_second_rate(c.second_ber);
  for (double b : c.bers) {
    const double r = rate.at(b);
    if (r > 1)
      throw std::invalid_argument("second_ber '" + c.second_ber + "' gives a rate of " + std::to_string(r) +
                                  " at the cell of BER " + std::to_string(b) + ": rates must be in [0, 1]");
    (void)fault_model(c.second_fault, r);
  }
  const auto model = fault_model(c.second_fault, 0.5);
  for (unsigned b : model.bit_positions)
    if (b >= format.bits())
      throw std::invalid_argument("second_fault '" + c.second_fault + "' names bit " + std::to_string(b) +
                                  " but " + format.name() + " stores " + std::to_string(format.bits()) +
                                  " bits per word");
}

}  // namespace

void CampaignConfig::validate() const {
  try {
    for (const auto& s : settings())
      if (s.check) s.check(*this);
    // What the settings must satisfy together.
    if (ci_target > 0 && max_trials < min_trials)
      throw std::invalid_argument("max_trials must be in [min_trials, 1000000]");
    if (images > 0 && images_per_trial > images)
      throw std::invalid_argument("images_per_trial must be in [0, images] (0: every trial scores all)");
    if (images_per_trial == kAutoImagesPerTrial) {
      if (!(ci_target > 0))
        throw std::invalid_argument(
            "images_per_trial = auto needs an adaptive campaign: set ci_target (the design stops on it)");
      if (floor > 0)
        throw std::invalid_argument(
            "images_per_trial = auto and floor cannot be combined: the design needs every trial's images");
      if (images > 0 && images < kDesignMaxImages)
        throw std::invalid_argument("images_per_trial = auto needs at least " +
                                    std::to_string(kDesignMaxImages) +
                                    " images, got images = " + std::to_string(images));
    }
    for (const auto& p : protections) {
      const auto spec = protect::ProtectionSpec::parse(p);
      for (const auto& f : formats) spec.check_format(memory::Format::parse(f));
    }
    for (double b : bers) (void)fault_model(fault, b);
    const auto model = fault_model(fault, 0.5);
    // A bit the stored words do not have would fail the first trial: refused here, naming the format.
    for (const auto& f : formats) {
      const unsigned width = memory::Format::parse(f).bits();
      unsigned highest = 0;
      for (unsigned b : model.bit_positions) highest = std::max(highest, b);
      for (const auto& t : model.targets) highest = std::max(highest, t.bit);
      if (highest >= width)
        throw std::invalid_argument("fault '" + fault + "' names bit " + std::to_string(highest) + " but " +
                                    memory::Format::parse(f).name() + " stores " + std::to_string(width) +
                                    " bits per weight (0-" + std::to_string(width - 1) + ")");
    }
    if (!model.type().takes_rate && bers.size() > 1)
      throw std::invalid_argument("fault '" + fault +
                                  "' flips the same bits at every rate: give one BER (its "
                                  "value only labels the cell), not " +
                                  std::to_string(bers.size()));
    validate_second_site(*this);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("campaign: ") + e.what());
  }
}

}  // namespace flipguard::campaign
