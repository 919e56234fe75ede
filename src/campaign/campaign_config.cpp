#include "campaign/campaign_config.hpp"

#include <cmath>
#include <cstdio>
#include <regex>
#include <set>
#include <stdexcept>
#include <toml.hpp>

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
}  // namespace

void CampaignConfig::load_toml(const std::string& path) {
  toml::value t;
  try {
    t = toml::parse(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  static const std::set<std::string> known{
      "model",   "data",       "formats",          "protections", "bers",       "fault",
      "trials",  "seed",       "tensors",          "images",      "batch",      "threads",
      "results", "models_dir", "assets_dir",       "ci_target",   "min_trials", "max_trials",
      "wave",    "floor",      "images_per_trial", "bad_images"};
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
      if (key == "trials") trials = toml::get<int>(value);
      if (key == "seed") seed = toml::get<std::uint64_t>(value);
      if (key == "tensors") tensors = toml::get<std::string>(value);
      if (key == "images") images = toml::get<std::int64_t>(value);
      if (key == "images_per_trial") images_per_trial = toml::get<std::int64_t>(value);
      if (key == "batch") batch = toml::get<int>(value);
      if (key == "threads") threads = toml::get<int>(value);
      if (key == "results") results = toml::get<std::string>(value);
      if (key == "models_dir") models_dir = toml::get<std::string>(value);
      if (key == "assets_dir") assets_dir = toml::get<std::string>(value);
      if (key == "ci_target") ci_target = number(value);
      if (key == "min_trials") min_trials = toml::get<int>(value);
      if (key == "max_trials") max_trials = toml::get<int>(value);
      if (key == "wave") wave = toml::get<int>(value);
      if (key == "floor") floor = number(value);
      if (key == "bad_images") bad_images = toml::get<std::string>(value);
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
  for (const auto& f : formats) (void)Format::parse(f);
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
