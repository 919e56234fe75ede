#include "campaign/campaign_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <toml.hpp>
#include <utility>

#include "campaign/faulty_weights.hpp"
#include "data/bad_images.hpp"
#include "faults/fault_model.hpp"
#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find(',', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<double> parse_rates(const std::string& text, const std::string& what) {
  std::vector<double> out;
  for (const auto& item : split_list(text)) {
    size_t used = 0;
    double v = NAN;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(v >= 0.0 && v <= 1.0))
      throw std::invalid_argument(what + ": '" + item + "' is not a rate in [0, 1]");
    out.push_back(v);
  }
  return out;
}

namespace {
// `ci_target = 2` is as natural as `ci_target = 2.0`: accept TOML integers where a number is meant.
double number(const toml::value& v) {
  return v.is_integer() ? static_cast<double>(v.as_integer()) : toml::get<double>(v);
}

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

// TOML integers are int64; toml::get<int> would cut 4294967301 to 5 and toml::get<uint64_t> turn -1 into
// 2^64 - 1, so a value that does not fit is an error here, before validate() sees a plausible number.
template <typename T>
T toml_int(const toml::value& value, const std::string& key) {
  const std::int64_t v = toml::get<std::int64_t>(value);
  if (!std::in_range<T>(v))
    throw std::runtime_error("'" + key + "' = " + std::to_string(v) + " is out of range");
  return static_cast<T>(v);
}

}  // namespace

void CampaignConfig::load_toml(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the campaign config");
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
  static const std::set<std::string> known{
      "model",   "data",       "formats",          "protections", "bers",       "fault",
      "trials",  "seed",       "tensors",          "images",      "batch",      "threads",
      "results", "models_dir", "assets_dir",       "ci_target",   "min_trials", "max_trials",
      "wave",    "floor",      "images_per_trial", "bad_images",  "interval"};
  try {
    for (const auto& [key, value] : t.as_table()) {
      if (!known.count(key)) throw std::runtime_error("unknown key '" + key + "'");
      if (key == "model") model = toml::get<std::string>(value);
      if (key == "data") data = toml::get<std::string>(value);
      if (key == "formats") formats = toml::get<std::vector<std::string>>(value);
      if (key == "protections") protections = toml::get<std::vector<std::string>>(value);
      if (key == "bers") {
        bers.clear();
        for (const auto& b : value.as_array()) bers.push_back(number(b));
      }
      if (key == "fault") fault = toml::get<std::string>(value);
      if (key == "trials") trials = toml_int<int>(value, key);
      if (key == "seed") seed = toml_int<std::uint64_t>(value, key);
      if (key == "tensors") tensors = toml::get<std::string>(value);
      if (key == "images") images = toml_int<std::int64_t>(value, key);
      if (key == "images_per_trial") images_per_trial = toml_int<std::int64_t>(value, key);
      if (key == "batch") batch = toml_int<int>(value, key);
      if (key == "threads") threads = toml_int<int>(value, key);
      if (key == "results") results = toml::get<std::string>(value);
      if (key == "models_dir") models_dir = toml::get<std::string>(value);
      if (key == "assets_dir") assets_dir = toml::get<std::string>(value);
      if (key == "ci_target") ci_target = number(value);
      if (key == "min_trials") min_trials = toml_int<int>(value, key);
      if (key == "max_trials") max_trials = toml_int<int>(value, key);
      if (key == "wave") wave = toml_int<int>(value, key);
      if (key == "floor") floor = number(value);
      if (key == "bad_images") bad_images = toml::get<std::string>(value);
      if (key == "interval") interval = toml::get<std::string>(value);
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
  if (formats.empty()) throw std::invalid_argument("campaign: no formats given");
  if (protections.empty()) throw std::invalid_argument("campaign: no protections given");
  if (bers.empty()) throw std::invalid_argument("campaign: no BERs given");
  if (trials < 1 || trials > 1000000) throw std::invalid_argument("campaign: trials must be in [1, 1000000]");
  if (!(ci_target >= 0 && ci_target <= 100))
    throw std::invalid_argument("campaign: ci_target must be in [0, 100] Top-1 points (0: fixed trials)");
  if (ci_target > 0) {
    if (min_trials < 2 || min_trials > 1000000)
      throw std::invalid_argument("campaign: min_trials must be in [2, 1000000] (a CI needs two trials)");
    if (max_trials < min_trials || max_trials > 1000000)
      throw std::invalid_argument("campaign: max_trials must be in [min_trials, 1000000]");
    if (wave < 1 || wave > 100000) throw std::invalid_argument("campaign: wave must be in [1, 100000]");
  }
  if (!(floor >= 0 && floor <= 100))
    throw std::invalid_argument("campaign: floor must be in [0, 100] Top-1 percent (0: off)");
  if (shards < 1 || shard < 0 || shard >= shards)
    throw std::invalid_argument("campaign: shard " + std::to_string(shard) + "/" + std::to_string(shards) +
                                " is not i/N with 0 <= i < N");
  if (images < 0) throw std::invalid_argument("campaign: images must be >= 0 (0: the whole dataset)");
  if (images_per_trial < 0 || (images > 0 && images_per_trial > images))
    throw std::invalid_argument(
        "campaign: images_per_trial must be in [0, images] (0: every trial scores all)");
  if (batch < 1 || batch > 4096) throw std::invalid_argument("campaign: batch must be in [1, 4096]");
  if (threads < 1 || threads > 1024) throw std::invalid_argument("campaign: threads must be in [1, 1024]");
  if (fault != "ber" && fault != "stuck0" && fault != "stuck1")
    throw std::invalid_argument("campaign: fault '" + fault + "' is not one of ber, stuck0, stuck1");
  (void)data::parse_bad_images(bad_images, "campaign: bad_images");
  if (interval != "betting" && interval != "t")
    throw std::invalid_argument("campaign: interval '" + interval + "' is not one of betting, t");
  for (const auto& f : formats) (void)memory::Format::parse(f);
  for (const auto& p : protections)
    for (const auto& f : formats) check_protection_for_format(p, f);
  for (double b : bers) {
    if (!(b >= 0.0 && b <= 1.0))
      throw std::invalid_argument("campaign: BER " + std::to_string(b) + " is outside [0, 1]");
    (void)faults::FaultModel::parse(fault_spec(b));
  }
  if (tensors != "all") {
    try {
      std::regex r(tensors);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument("campaign: tensors '" + tensors + "' is not a valid regular expression");
    }
  }
}

}  // namespace flipguard::campaign
