#include "campaign/settings/settings.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "campaign/planning/cell_design.hpp"
#include "campaign/settings/fault_setting.hpp"
#include "campaign/settings/preprocessing_values.hpp"
#include "campaign/settings/second_rate.hpp"
#include "campaign/settings/site_catalog.hpp"
#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/preprocess/preprocess_preset.hpp"
#include "faults/fault_model_registry.hpp"
#include "memory/format.hpp"
#include "metrics/metric_registry.hpp"
#include "protect/protection_registry.hpp"
#include "protect/protection_spec.hpp"
#include "stats/interval.hpp"

namespace flipguard::campaign {
namespace {

// The stoppable metrics named for the help of ci_target: "(Top-1, or SDC-1 with metric sdc1)".
std::string stop_metrics_named() {
  std::string out;
  for (const Metric m : metrics::stoppable_metrics())
    out += out.empty() ? "(" + std::string(m->label)
                       : ", or " + std::string(m->label) + " with metric " + to_string(m);
  return out + ")";
}

// The stoppable metrics described for the help of metric: "top1 (Top-1 accuracy; needs labels) or sdc1
// (...; needs none)".
std::string stop_metric_choices() {
  const auto ms = metrics::stoppable_metrics();
  std::string out;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) out += i + 1 == ms.size() ? " or " : ", ";
    out += to_string(ms[i]) + " (" + std::string(ms[i]->description) + "; " +
           (ms[i]->needs_labels ? "needs labels" : "needs none") + ")";
  }
  return out;
}

constexpr unsigned kGrid = kForCampaign | kForLayerCampaign;
constexpr unsigned kEvery = kForCampaign | kForLayerCampaign | kForSweepT | kForEval;
constexpr std::int64_t kMaxTrials = 1000000;
constexpr std::int64_t kMaxImages = std::int64_t{1} << 30;

Setting base(std::string key, std::string flag, std::string metavar, SettingType type, unsigned scope,
             std::string help) {
  Setting s;
  s.key = std::move(key);
  s.flag = std::move(flag);
  s.metavar = std::move(metavar);
  s.type = type;
  s.scope = scope;
  s.help = std::move(help);
  return s;
}

// Shortest text that reads back to the same double ("1e-05", "0.0001", "2").
std::string number_text(double v) {
  char buf[32];
  if (v == std::floor(v) && std::abs(v) < 1e15) {  // whole numbers as such: 100, not 1e+02
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string join(const std::vector<std::string>& items, const std::string& separator = ",") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

template <typename T>
const T& value_as(const SettingValue& v, const char* what) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw std::invalid_argument(std::string("expects ") + what);
}

// A list item that appears twice would run a cell twice and leave a results file no rerun accepts: refused,
// comparing canonical forms (two spellings of one format or protection are one cell).
void refuse_duplicates(const std::vector<std::string>& canonical, const std::vector<std::string>& given,
                       const std::string& key) {
  std::set<std::string> seen;
  for (size_t i = 0; i < canonical.size(); ++i)
    if (!seen.insert(canonical[i]).second)
      throw std::invalid_argument(key + ": '" + given[i] + "' is listed twice");
}

Setting text(std::string key, std::string flag, std::string metavar, unsigned scope,
             std::string CampaignConfig::*field, std::string help,
             std::function<void(const std::string&)> check_value = {}, bool empty_means_default = false) {
  Setting s = base(key, flag, metavar, SettingType::text, scope, std::move(help));
  s.check = [field, key, check_value, empty_means_default](const CampaignConfig& c) {
    const std::string& v = c.*field;
    if (v.empty()) {
      if (empty_means_default) return;
      throw std::invalid_argument(key + " is empty");
    }
    if (check_value) check_value(v);
  };
  s.assign = [field, key, check_value](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::string>(value, "a string");
    if (v.empty()) throw std::invalid_argument("an empty value is not allowed");
    if (check_value) check_value(v);
    c.*field = v;
  };
  s.show = [field](const CampaignConfig& c) { return c.*field; };
  return s;
}

// A text setting kept in canonical form (`canonical` throws for a bad value), so two spellings of one value
// are one campaign.
Setting canonical_text(std::string key, std::string flag, std::string metavar, unsigned scope,
                       std::string CampaignConfig::*field, std::string help,
                       std::string (*canonical)(const std::string&)) {
  Setting s = text(std::move(key), std::move(flag), std::move(metavar), scope, field, std::move(help));
  s.assign = [field, canonical](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::string>(value, "a string");
    if (v.empty()) throw std::invalid_argument("an empty value is not allowed");
    c.*field = canonical(v);
  };
  s.check = [field, canonical](const CampaignConfig& c) { (void)canonical(c.*field); };
  return s;
}

Setting list(std::string key, std::string flag, std::string metavar, unsigned scope,
             std::vector<std::string> CampaignConfig::*field, std::string help,
             std::function<std::string(const std::string&)> canonical) {
  Setting s = base(key, flag, metavar, SettingType::list, scope, std::move(help));
  auto check_items = [key, canonical](const std::vector<std::string>& items) {
    if (items.empty()) throw std::invalid_argument("no " + key + " given");
    std::vector<std::string> forms;
    for (const auto& item : items) forms.push_back(canonical(item));  // throws for a bad item
    refuse_duplicates(forms, items, key);
  };
  s.check = [field, check_items](const CampaignConfig& c) { check_items(c.*field); };
  s.assign = [field, check_items](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::vector<std::string>>(value, "a list of strings");
    check_items(v);
    c.*field = v;
  };
  s.show = [field](const CampaignConfig& c) { return join(c.*field); };
  return s;
}

Setting rates(std::string key, std::string flag, std::string metavar, unsigned scope,
              std::vector<double> CampaignConfig::*field, std::string help) {
  Setting s = base(key, flag, metavar, SettingType::rates, scope, std::move(help));
  auto check_items = [key](const std::vector<double>& items) {
    if (items.empty()) throw std::invalid_argument("no " + key + " given");
    std::vector<std::string> forms, given;
    for (double b : items) {
      if (!(b >= 0.0 && b <= 1.0))
        throw std::invalid_argument("BER " + number_text(b) + " is outside [0, 1]");
      forms.push_back(number_text(b));
    }
    refuse_duplicates(forms, forms, key);
  };
  s.check = [field, check_items](const CampaignConfig& c) { check_items(c.*field); };
  s.assign = [field, check_items](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::vector<double>>(value, "a list of numbers");
    check_items(v);
    c.*field = v;
  };
  s.show = [field](const CampaignConfig& c) {
    std::vector<std::string> items;
    for (double b : c.*field) items.push_back(number_text(b));
    return join(items);
  };
  return s;
}

template <typename Int>
Setting integer(std::string key, std::string flag, std::string metavar, unsigned scope,
                Int CampaignConfig::*field, std::int64_t min, std::int64_t max, std::string help) {
  Setting s = base(key, flag, metavar, SettingType::integer, scope, std::move(help));
  s.min = static_cast<double>(min);
  s.max = static_cast<double>(max);
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  s.check = [=](const CampaignConfig& c) {
    const Int v = c.*field;
    if (!std::in_range<std::int64_t>(v) || static_cast<std::int64_t>(v) < min ||
        static_cast<std::int64_t>(v) > max)
      throw std::invalid_argument(key + " must be in " + range);
  };
  s.assign = [=](CampaignConfig& c, const SettingValue& value) {
    const std::int64_t v = value_as<std::int64_t>(value, "an integer");
    if (v < min || v > max) throw std::invalid_argument(std::to_string(v) + " is out of range " + range);
    c.*field = static_cast<Int>(v);
  };
  s.show = [field](const CampaignConfig& c) { return std::to_string(c.*field); };
  return s;
}

// An integer setting that also takes "auto", stored in the field as `auto_value` (outside [min, max]).
template <typename Int>
Setting integer_or_auto(std::string key, std::string flag, std::string metavar, unsigned scope,
                        Int CampaignConfig::*field, std::int64_t min, std::int64_t max,
                        std::int64_t auto_value, std::string help) {
  Setting s = integer(key, flag, std::move(metavar), scope, field, min, max, std::move(help));
  s.auto_value = auto_value;
  auto check = s.check;
  auto assign = s.assign;
  s.check = [=](const CampaignConfig& c) {
    if (static_cast<std::int64_t>(c.*field) != auto_value) check(c);
  };
  s.assign = [=](CampaignConfig& c, const SettingValue& value) {
    if (const auto* text = std::get_if<std::string>(&value); text && *text == "auto") {
      c.*field = static_cast<Int>(auto_value);
      return;
    }
    assign(c, value);
  };
  s.show = [=](const CampaignConfig& c) {
    return static_cast<std::int64_t>(c.*field) == auto_value ? std::string("auto") : std::to_string(c.*field);
  };
  return s;
}

Setting number(std::string key, std::string flag, std::string metavar, unsigned scope,
               double CampaignConfig::*field, double min, double max, std::string help) {
  Setting s = base(key, flag, metavar, SettingType::number, scope, std::move(help));
  s.min = min;
  s.max = max;
  const std::string range = "[" + number_text(min) + ", " + number_text(max) + "]";
  s.check = [=](const CampaignConfig& c) {
    if (!(c.*field >= min && c.*field <= max)) throw std::invalid_argument(key + " must be in " + range);
  };
  s.assign = [=](CampaignConfig& c, const SettingValue& value) {
    double v = 0;
    if (const auto* i = std::get_if<std::int64_t>(&value))  // `ci_target = 2` is as natural as 2.0
      v = static_cast<double>(*i);
    else
      v = value_as<double>(value, "a number");
    if (!(v >= min && v <= max)) throw std::invalid_argument(number_text(v) + " is out of range " + range);
    c.*field = v;
  };
  s.show = [field](const CampaignConfig& c) { return number_text(c.*field); };
  return s;
}

// Parses the whole of `text` as a double; subnormal results are values, not errors.
bool parse_double(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  return !(errno == ERANGE && std::abs(out) > 1.0);  // overflow is an error, underflow a tiny value
}

bool parse_int64(const std::string& text, std::int64_t& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno == ERANGE) return false;
  out = v;
  return true;
}

std::string canonical_format(const std::string& f) {
  return memory::Format::parse(f).name();
}

std::string canonical_protection(const std::string& p) {
  return protect::ProtectionSpec::parse(p).to_string();
}

void check_regex(const std::string& tensors) {
  if (tensors == "all") return;
  try {
    std::regex r(tensors);
  } catch (const std::regex_error&) {
    throw std::invalid_argument("tensors '" + tensors + "' is not a valid regular expression");
  }
}

// One value per input channel: any finite reals (their count is checked against the model).
Setting numbers(std::string key, std::string flag, std::string metavar, unsigned scope,
                std::vector<double> CampaignConfig::*field, std::string help) {
  Setting s = base(key, flag, metavar, SettingType::numbers, scope, std::move(help));
  auto check_items = [key](const std::vector<double>& items) {
    for (double v : items)
      if (!std::isfinite(v)) throw std::invalid_argument(key + ": " + number_text(v) + " is not finite");
  };
  s.check = [field, check_items](const CampaignConfig& c) { check_items(c.*field); };
  s.assign = [field, check_items](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::vector<double>>(value, "a list of numbers");
    if (v.empty()) throw std::invalid_argument("no numbers given");
    check_items(v);
    c.*field = v;
  };
  s.show = [field](const CampaignConfig& c) {
    std::vector<std::string> items;
    for (double b : c.*field) items.push_back(number_text(b));
    return join(items);
  };
  s.default_note = "the preset's or sidecar's";
  return s;
}

// The preprocessing settings (model_recipe.hpp): each overrides the sidecar's or the preset's value.
void add_preprocessing_settings(std::vector<Setting>& t, unsigned scope) {
  using C = CampaignConfig;
  auto from_model = [](Setting s) {
    s.default_note = "the preset's or sidecar's";
    return s;
  };
  t.push_back(text(
      "preset", "--preset", "NAME", scope, &C::preset,
      "preprocessing recipe, for an .onnx model without sidecar or to replace a sidecar's: "
      "torchvision (RGB, /255, ImageNet mean/std, resize shorter side 256, center crop 224), "
      "caffe (BGR, 0-255 minus ImageNet BGR means, no std, resize 256, crop 224), cifar (RGB, "
      "/255, CIFAR-10 mean/std, no resize), none (raw 0-255 pixels); the settings below override "
      "its values",
      [](const std::string& v) { (void)data::preset_preprocess(v, 3); }, true));
  t.back().default_note = "the sidecar's preprocessing";
  t.push_back(from_model(text(
      "resize", "--resize", "N|HxW|0", scope, &C::resize,
      "resize before the crop: N sets the shorter side (keeping the aspect), HxW the "
      "exact size, 0 none",
      [](const std::string& v) { (void)parse_image_size(v); }, true)));
  t.push_back(from_model(text(
      "crop", "--crop", "N|HxW|0", scope, &C::crop,
      "center crop after the resize (N: NxN); must equal the model's input size; 0 none",
      [](const std::string& v) { (void)parse_image_size(v); }, true)));
  t.push_back(numbers("mean", "--mean", "M,...", scope, &C::mean,
                      "subtracted from each channel after scaling, one per input channel in channel order"));
  t.push_back(
      numbers("std", "--std", "S,...", scope, &C::std,
              "each channel divided by it last, one per input channel: x = (pixel * scale - mean) / std"));
  t.push_back(from_model(text(
      "scale", "--scale", "X|A/B", scope, &C::scale,
      "each 8-bit pixel value multiplied by this first, a number or a fraction (1/255)",
      [](const std::string& v) { (void)parse_scale(v); }, true)));
  t.push_back(from_model(text(
      "channel_order", "--channel-order", "RGB|BGR|GRAY", scope, &C::channel_order,
      "channel order of the input (GRAY: one channel)",
      [](const std::string& v) {
        if (v != "RGB" && v != "BGR" && v != "GRAY" && v != "rgb" && v != "bgr" && v != "gray")
          throw std::invalid_argument("'" + v + "' is not RGB, BGR or GRAY");
      },
      true)));
  t.push_back(from_model(text(
      "resize_filter", "--resize-filter", "bilinear|bilinear-noaa", scope, &C::resize_filter,
      "resampling of the resize: bilinear (PIL's antialiased bilinear, what "
      "torchvision does on PIL images) or bilinear-noaa (plain 2-tap, as TensorFlow)",
      [](const std::string& v) {
        if (v != "bilinear" && v != "bilinear-noaa")
          throw std::invalid_argument("'" + v + "' is not bilinear or bilinear-noaa");
      },
      true)));
}

std::string scale_protection(double t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "scale=%.9g", t);
  return buf;
}

// What runs on what: the model, the data and its preprocessing.
void add_model_and_data_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(
      text("model", "--model", "M", kEvery | kForRun | kForModelInit | kForInspectModel, &C::model,
           "the model: a name in the models folder (models/M.json), the path of a model sidecar .json "
           "(docs/model-sidecar.md), or an .onnx file, read without a sidecar (its input and classes "
           "from the graph; give --preset or the preprocessing settings)"));
  t.push_back(
      text("data", "--data", "D", kEvery | kForRun | kForModelInit, &C::data,
           "the data: a built-in dataset (" + join(data::dataset_names(), ", ") +
               "), a folder of class subfolders (labels: folder names sorted, or --classes), a "
               "folder of unlabelled JPEGs, a list file (`path,label` or `path label` lines), or model "
               "inputs in a .npy (N x C x H x W float32; labels: --labels) or .npz (x, optional y) "
               "(default: the dataset the model's sidecar names)",
           {}, true));
  add_preprocessing_settings(t, kEvery | kForRun | kForModelInit);
}

// The grid of cells: formats x protections x rates, and the kind of fault.
void add_grid_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(list("formats", "--formats", "F,...", kGrid | kForInspectModel, &C::formats,
                   "storage formats: fp32, fp16, bf16, qM.N (sign + M integer + N fraction bits, e.g. q2.5), "
                   "int8 (symmetric per tensor), int8-channel (per output channel)",
                   canonical_format));
  t.push_back(list("protections", "--protections", "P,...", kGrid, &C::protections,
                   "protections, each of tokens joined by '+': " + protect::protection_forms(),
                   canonical_protection));
  t.push_back(
      rates("bers", "--bers", "B,...", kGrid, &C::bers,
            "bit-error rates of the grid, each in [0, 1] (every configuration also gets its fault-free "
            "record)"));
  t.push_back(canonical_text("fault", "--fault", "KIND[@...]", kGrid | kForRun, &C::fault,
                             fault_setting_help(), canonical_fault_setting));
}

// How many trials a cell runs: fixed, or adaptive until its interval is narrow enough.
void add_trial_count_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(integer("trials", "--trials", "N", kGrid | kForSweepT, &C::trials, 1, kMaxTrials,
                      "a fixed number of trials per cell: given without ci_target, it turns adaptive "
                      "trials off (ci_target 0)"));
  t.push_back(
      number("ci_target", "--ci-target", "POINTS", kForCampaign, &C::ci_target, 0, 100,
             "adaptive trials: each cell runs waves of `wave` trials until the 95% confidence interval "
             "of its metric " +
                 stop_metrics_named() +
                 " is within +- this many points (after min_trials), or max_trials ran; 0: fixed trial "
                 "counts (also what giving trials alone means)"));
  t.push_back(integer("min_trials", "--min-trials", "N", kForCampaign, &C::min_trials, 2, kMaxTrials,
                      "adaptive trials: the fewest trials a cell stops at"));
  t.push_back(integer("max_trials", "--max-trials", "N", kForCampaign, &C::max_trials, 2, kMaxTrials,
                      "adaptive trials: the most trials a cell runs"));
  t.push_back(integer("wave", "--wave", "N", kForCampaign, &C::wave, 1, 100000,
                      "adaptive trials: trials released at a time; the stopping rule looks after each wave"));
  t.push_back(
      text("interval", "--interval", "betting-mix|betting|t", kGrid, &C::interval,
           "the 95% interval over a cell's trials, for stopping and reporting: betting-mix (the betting "
           "confidence sequence with plug-in bets mixed with a bold bet: valid for any accuracy "
           "distribution and under adaptive stopping, and the tightest at small trial counts), betting "
           "(plug-in bets alone, as before) or t (Student t, approximate: too narrow on skewed or "
           "all-or-nothing cells); see docs/statistics.md",
           [](const std::string& v) { (void)stats::parse_interval_method(v); }));
}

// Your own data and label-free metrics.
void add_label_and_metric_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(
      text("classes", "--classes", "FILE", kEvery | kForRun, &C::classes,
           "for a folder of class subfolders: the label of each folder is the line of its name in FILE "
           "(the first word of each line, e.g. synset_words.txt); default: folder names sorted",
           {}, true));
  t.push_back(text("labels", "--labels", "FILE.npy", kEvery | kForRun, &C::labels,
                   "for model inputs in a .npy: their labels, N integers in a .npy; default: no labels", {},
                   true));
  t.push_back(text("metric", "--metric", metrics::join_ids(metrics::stoppable_metrics(), "|"), kForCampaign,
                   &C::metric, "what adaptive trials (ci_target) stop on: " + stop_metric_choices(),
                   [](const std::string& v) { (void)parse_metric(v); }));
  t.push_back(number("floor", "--floor", "TOP1", kForCampaign, &C::floor, 0, 100,
                     "a faulty trial stops once its Top-1 is below this percentage at 99.9% confidence "
                     "(Clopper-Pearson); 0: off"));
}

// What a trial scores and faults: the images, their sampling, the seed and the faulted tensors.
void add_trial_content_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(integer("images", "--images", "N", kEvery | kForRun, &C::images, 0, kMaxImages,
                      "images evaluated: a class-stratified subset of the dataset; 0: all of it"));
  t.back().aliases = {"--limit"};
  t.push_back(integer_or_auto(
      "images_per_trial", "--images-per-trial", "M|auto", kForCampaign, &C::images_per_trial, 0, kMaxImages,
      kAutoImagesPerTrial,
      "each faulty trial scores a fresh random sample of M of the images (the same sample for "
      "every format and protection of a trial); 0: every trial scores all; auto (adaptive campaigns, "
      "ci_target > 0): each cell runs a pilot, then the design it picks: 1-64 images per trial, plain "
      "trials or trials stratified on the count of faults on the format's critical bit, with a betting "
      "interval over the design's rounds (docs/statistics.md)"));
  t.push_back(integer("seed", "--seed", "S", kGrid | kForSweepT | kForRun, &C::seed, 0,
                      std::numeric_limits<std::int64_t>::max(),
                      "the seed of every fault and image sample: the same seed, the same trials"));
  t.push_back(
      text("tensors", "--tensors", "all|NAME|REGEX", kGrid | kForRun | kForInspectModel, &C::tensors,
           "the stored weight tensors faulted: all; a stored weight's name or the name of the node "
           "reading it (exactly; flipguard inspect-model lists both); else every weight whose name or "
           "node name an ECMAScript regex finds",
           check_regex));
  // The help lists the sites registered when the table is built; the check accepts any registered by then.
  const SiteCatalog* sites = site_catalog();
  t.push_back(text("site", "--site", "NAME", kGrid | kForRun | kForInspectModel, &C::site,
                   sites
                       ? sites->help()
                       : "where faults land: a fault site's name (default " + std::string(kDefaultSite) + ")",
                   [](const std::string& v) {
                     if (const SiteCatalog* known = site_catalog(); known && !known->known(v))
                       throw std::invalid_argument("expected " + known->names(" or "));
                   }));
  t.push_back(text("unfused", "--unfused", "none|all|NAME|REGEX", kGrid | kForRun | kForInspectModel,
                   &C::unfused,
                   "values kept apart from the activation the engine fuses after them, so that they are "
                   "written values the activations site can fault (a Conv's output before its Relu): none; "
                   "all (no fusion); a value's or its node's name; else a regex over both",
                   check_regex));
  t.push_back(integer("calibration_images", "--calibration-images", "K", kGrid | kForRun,
                      &C::calibration_images, 1, 100000,
                      "clean images on which each faulted value's range and scale are profiled, for "
                      "activations stored in int8 and for ranger and clip-act: the K images that follow the "
                      "evaluated ones in the dataset's stratified order (disjoint from them), or the first K "
                      "evaluated when the data has no others"));
  t.push_back(text("shortcuts", "--shortcuts", "on|off", kForCampaign, &C::shortcuts,
                   "exact shortcuts: a trial whose faults change no read-back weight takes the fault-free "
                   "answer (records say reused); trials scoring all images start at the first faulted layer "
                   "from kept activations. off: every trial runs the whole network (the same records)",
                   [](const std::string& v) {
                     if (v != "on" && v != "off") throw std::invalid_argument("must be on or off");
                   }));
}

// A second fault site in the same trials, in one configuration of its own (weights and activations
// together).
void add_second_site_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(text("second_site", "--second-site", "none|NAME", kForCampaign | kForRun, &C::second_site,
                   "a second fault site faulted in the same trials as `site`, in the one configuration the "
                   "second_* settings give it in every cell (the grid's formats, protections and rates are "
                   "the first site's): none, or the other site's name",
                   [](const std::string& v) {
                     if (v == "none") return;
                     if (const SiteCatalog* known = site_catalog(); known && !known->known(v))
                       throw std::invalid_argument("expected none, " + known->names(" or "));
                   }));
  t.push_back(text("second_tensors", "--second-tensors", "all|NAME|REGEX", kForCampaign | kForRun,
                   &C::second_tensors, "the second site's targets, chosen as `tensors` chooses the first's",
                   check_regex));
  t.push_back(canonical_text("second_format", "--second-format", "F", kForCampaign | kForRun,
                             &C::second_format, "the second site's storage format (one; see formats)",
                             canonical_format));
  t.push_back(canonical_text("second_protection", "--second-protection", "P", kForCampaign | kForRun,
                             &C::second_protection, "the second site's protection (one; see protections)",
                             canonical_protection));
  t.push_back(canonical_text("second_fault", "--second-fault", "KIND[@...]", kForCampaign | kForRun,
                             &C::second_fault, "what a fault does at the second site (the kinds of `fault`)",
                             canonical_fault_setting));
  t.push_back(text("second_ber", "--second-ber", "B|cell|cell*K", kForCampaign | kForRun, &C::second_ber,
                   "the second site's rate in each faulty cell: a rate in [0, 1]; cell: the cell's BER; "
                   "cell*K: K times it (the clean cell is fault-free at both sites)",
                   [](const std::string& v) { (void)parse_second_rate(v); }));
}

// How inference runs: batch, threads, unusable images.
void add_execution_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(integer("batch", "--batch", "B", kEvery | kForRun, &C::batch, 1, 4096,
                      "images per inference batch (a model exported with a fixed batch runs at that one)"));
  t.push_back(integer("threads", "--threads", "T", kEvery | kForRun, &C::threads, 1, 1024,
                      "inference and image-loading threads"));
  t.push_back(text(
      "bad_images", "--bad-images", "fail|skip", kEvery | kForRun, &C::bad_images,
      "unusable dataset images (unreadable, not an image, wrong size): fail stops naming the first one; skip "
      "leaves them out, counted in the records and the data hash",
      [](const std::string& v) {
        try {
          (void)data::parse_bad_images(v, "bad_images");
        } catch (const std::exception& e) {
          throw std::invalid_argument(e.what());  // a setting's value error, whatever the parser's kind
        }
      }));
}

// Where results, models and assets are.
void add_location_settings(std::vector<Setting>& t) {
  using C = CampaignConfig;
  t.push_back(
      text("results", "--results", "FILE.jsonl", kGrid | kForSweepT, &C::results,
           "the results file (JSON Lines, one record per trial); rerunning the same command resumes it"));
  t.push_back(text("models_dir", "--models-dir", "DIR", kEvery | kForRun | kForModelInit | kForInspectModel,
                   &C::models_dir,
                   "the folder where a model name M is looked up as M.json (a path given to --model is used "
                   "as it is)",
                   {}, true));
  t.back().default_note = "$FLIPGUARD_MODELS, else models/ beside the build folder, else ./models";
  t.push_back(text("assets_dir", "--assets", "DIR", kEvery | kForRun, &C::assets_dir,
                   "the folder the named datasets are read from (the shared assets: " +
                       join(data::dataset_top_folders(), ", ") + ")",
                   {}, true));
  t.back().default_note =
      "$FLIPGUARD_ASSETS, else ../shared/assets beside the source tree or a parent folder";
}

// The shard a process runs is a property of one invocation, not of the study: command line only.
void add_shard_setting(std::vector<Setting>& t) {
  Setting shard =
      base("", "--shard", "I/N", SettingType::fraction, kForCampaign,
           "run only shard I (0 <= I < N) of the cells, whole cells balanced by trials; join the shards' "
           "results files with flipguard merge");
  shard.check = [](const CampaignConfig& c) {
    if (c.shards < 1 || c.shard < 0 || c.shard >= c.shards)
      throw std::invalid_argument("shard " + std::to_string(c.shard) + "/" + std::to_string(c.shards) +
                                  " is not i/N with 0 <= i < N");
  };
  shard.assign = [](CampaignConfig& c, const SettingValue& value) {
    const auto& v = value_as<std::vector<double>>(value, "I/N");
    c.shard = static_cast<int>(v.at(0));
    c.shards = static_cast<int>(v.at(1));
  };
  shard.show = [](const CampaignConfig& c) {
    return std::to_string(c.shard) + "/" + std::to_string(c.shards);
  };
  t.push_back(shard);
}

// Flags that set one value of a list setting: sweep-t's format, rate and targets, run's protection.
void add_single_value_flags(std::vector<Setting>& t) {
  using C = CampaignConfig;
  // sweep-t studies one format at one rate over scaling targets t: its grid, in three flags of its own.
  Setting format = base("", "--format", "F", SettingType::text, kForSweepT | kForRun,
                        "the storage format (one; see formats)");
  format.assign = [](C& c, const SettingValue& value) {
    const auto& f = value_as<std::string>(value, "a string");
    if (f.empty()) throw std::invalid_argument("an empty value is not allowed");
    c.formats = {canonical_format(f)};
  };
  format.show = [](const C& c) { return c.formats.empty() ? std::string() : c.formats[0]; };
  t.push_back(format);
  Setting ber =
      base("", "--ber", "B", SettingType::rates, kForSweepT | kForRun, "the bit-error rate (one, above 0)");
  ber.assign = [](C& c, const SettingValue& value) {
    const auto& v = value_as<std::vector<double>>(value, "a rate");
    if (v.size() != 1 || !(v[0] > 0 && v[0] <= 1)) throw std::invalid_argument("takes one rate in (0, 1]");
    c.bers = v;
  };
  ber.show = [](const C& c) { return c.bers.empty() ? std::string() : number_text(c.bers[0]); };
  t.push_back(ber);
  // run applies one configuration: its protection, in a flag of its own.
  Setting protection =
      base("", "--protection", "P", SettingType::text, kForRun, "the protection (one; see protections)");
  protection.assign = [](C& c, const SettingValue& value) {
    const auto& p = value_as<std::string>(value, "a string");
    if (p.empty()) throw std::invalid_argument("an empty value is not allowed");
    c.protections = {canonical_protection(p)};
  };
  protection.show = [](const C& c) { return c.protections.size() == 1 ? c.protections[0] : std::string(); };
  t.push_back(protection);
  Setting targets = base("", "--t", "T,...", SettingType::list, kForSweepT,
                         "scaling targets t to compare with no scaling (protections none, scale=T, ...)");
  targets.default_note = "fixed point: 1/16 to 1 x the format's default t; floats: 0.25 to 256 around it";
  targets.assign = [](C& c, const SettingValue& value) {
    c.protections = {"none"};
    for (const auto& item : value_as<std::vector<std::string>>(value, "a list of numbers")) {
      double v = 0;
      if (!parse_double(item, v) || !(v > 0) || !std::isfinite(v))
        throw std::invalid_argument("'" + item + "' is not a positive number");
      c.protections.push_back(scale_protection(v));
    }
  };
  targets.show = [](const C&) { return std::string(); };
  t.push_back(targets);
}

// Every front end (command line, TOML, Python, set_setting) assigns through the table: each assignment
// also records its key, so what was asked for can be told from a default (resolve_given_settings).
void record_given_keys(std::vector<Setting>& t) {
  using C = CampaignConfig;
  for (auto& s : t)
    if (!s.key.empty())
      s.assign = [assign = s.assign, key = s.key](C& c, const SettingValue& v) {
        assign(c, v);
        c.given.insert(key);
      };
}

std::vector<Setting> make_table() {
  std::vector<Setting> t;
  add_model_and_data_settings(t);
  add_grid_settings(t);
  add_trial_count_settings(t);
  add_label_and_metric_settings(t);
  add_trial_content_settings(t);
  add_second_site_settings(t);
  add_execution_settings(t);
  add_location_settings(t);
  add_shard_setting(t);
  add_single_value_flags(t);
  record_given_keys(t);
  return t;
}

std::vector<std::string> split_items(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace

CampaignConfig defaults_for(unsigned scope) {
  CampaignConfig c;
  if (scope == kForCampaign) {  // a campaign's first run should print intervals a reader can act on
    c.ci_target = kDefaultCiTarget;
    c.images_per_trial = kAutoImagesPerTrial;
    c.max_trials = kDefaultMaxTrials;
  }
  if (scope == kForLayerCampaign) c.results = "results/layer-campaign.jsonl";
  if (scope == kForRun) {  // no stored format, protection or faults unless asked for
    c.formats.clear();
    c.protections.clear();
    c.bers.clear();
  }
  if (scope == kForInspectModel) c.formats = {"fp32", "fp16", "bf16", "q2.5", "int8"};
  if (scope == kForSweepT) {
    c.formats = {"q2.5"};
    c.protections = {"none"};
    c.bers = {1e-3};
    c.results = "results/sweep-t-<format>.jsonl";
  }
  return c;
}

// The budget goes back to plain trials' own default too: a thousand full-image trials would cost far more
// than the design's budget.
void plain_trials_instead_of_design(CampaignConfig& c) {
  c.images_per_trial = 0;
  if (!c.given.count("max_trials")) c.max_trials = CampaignConfig{}.max_trials;
}

void resolve_given_settings(CampaignConfig& c) {
  const auto given = [&c](const char* key) { return c.given.count(key) > 0; };
  // Fixed trials asked for without a target: run that many, as asked.
  if (given("trials") && !given("ci_target")) c.ci_target = 0;
  // The design by default only where it applies (adaptive, no floor, at least its images); otherwise every
  // trial scores all the images, as before the design existed.
  if (c.images_per_trial == kAutoImagesPerTrial && !given("images_per_trial") &&
      (!(c.ci_target > 0) || c.floor > 0 || (c.images > 0 && c.images < kDesignMaxImages)))
    plain_trials_instead_of_design(c);
  // Plain adaptive trials asked for (images_per_trial given, not auto) keep their own default budget.
  if (c.images_per_trial != kAutoImagesPerTrial && !given("max_trials"))
    c.max_trials = CampaignConfig{}.max_trials;
  // Another site's own grid where none was given: the defaults (q2.5, fp16 x none, scale) are the stored
  // weights'. A command with defaults of its own (run, inspect-model) keeps them.
  if (const SiteCatalog* sites = site_catalog(); sites && sites->default_formats) {
    const CampaignConfig plain;
    if (!given("formats") && c.formats == plain.formats)
      if (auto f = sites->default_formats(c.site); !f.empty()) c.formats = std::move(f);
    if (!given("protections") && c.protections == plain.protections)
      if (auto p = sites->default_protections(c.site); !p.empty()) c.protections = std::move(p);
  }
}

std::vector<std::string> fit_defaults_to_data(CampaignConfig& c, bool labelled, std::int64_t images,
                                              bool tokens) {
  std::vector<std::string> notes;
  const auto asked = metrics::find_metric(c.metric);
  if (tokens && asked && (*asked)->task == metrics::MetricTask::classifier && !c.given.count("metric")) {
    c.metric = to_string(Metric::token_top1);
    if (c.ci_target > 0)
      notes.push_back("the data are token sequences: adaptive cells stop on " +
                      std::string(Metric::token_top1->measure) + " (metric " + c.metric + ")");
  } else if (!labelled && !tokens && c.ci_target > 0 && asked && (*asked)->needs_labels &&
             !c.given.count("metric")) {
    const Metric m = label_free_metric();
    c.metric = to_string(m);
    notes.push_back("the data have no labels: adaptive cells stop on " + std::string(m->measure) +
                    " (metric " + c.metric + ")");
  }
  if (c.images_per_trial == kAutoImagesPerTrial && !c.given.count("images_per_trial") &&
      images < kDesignMaxImages) {
    plain_trials_instead_of_design(c);
    notes.push_back("the data have " + std::to_string(images) + " images, fewer than the design's " +
                    std::to_string(kDesignMaxImages) +
                    ": every trial scores all of them (images_per_trial 0)");
  }
  return notes;
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = make_table();
  return table;
}

const Setting* find_setting_by_key(const std::string& key) {
  for (const auto& s : settings())
    if (!s.key.empty() && s.key == key) return &s;
  return nullptr;
}

const Setting* find_setting_by_flag(const std::string& flag, unsigned scope) {
  for (const auto& s : settings())
    if ((s.scope & scope) &&
        (s.flag == flag || std::find(s.aliases.begin(), s.aliases.end(), flag) != s.aliases.end()))
      return &s;
  return nullptr;
}

std::string Setting::range_text() const {
  if (type == SettingType::integer)
    return "[" + std::to_string(static_cast<std::int64_t>(min)) + ", " +
           (max >= 9.2e18 ? std::string("2^63 - 1") : std::to_string(static_cast<std::int64_t>(max))) + "]";
  if (type == SettingType::number) return "[" + number_text(min) + ", " + number_text(max) + "]";
  return "";
}

SettingValue Setting::parse_text(const std::string& text, const std::string& name) const {
  if (text.empty()) throw std::invalid_argument(name + ": an empty value is not allowed");
  switch (type) {
    case SettingType::text:
      return text;
    case SettingType::list: {
      auto items = split_items(text);
      if (items.empty()) throw std::invalid_argument(name + ": no items in '" + text + "'");
      return items;
    }
    case SettingType::rates: {
      std::vector<double> out;
      const auto items = split_items(text);
      if (items.empty()) throw std::invalid_argument(name + ": no items in '" + text + "'");
      for (const auto& item : items) {
        double v = 0;
        if (!parse_double(item, v) || !(v >= 0.0 && v <= 1.0))
          throw std::invalid_argument(name + ": '" + item + "' is not a rate in [0, 1]");
        out.push_back(v);
      }
      return out;
    }
    case SettingType::integer: {
      std::int64_t v = 0;
      if (auto_value && text == "auto") return text;  // assign() stores it as auto_value
      if (!parse_int64(text, v) || static_cast<double>(v) < min || static_cast<double>(v) > max)
        throw std::invalid_argument(name + " expects an integer in " + range_text() + ", got '" + text + "'");
      return v;
    }
    case SettingType::number: {
      double v = 0;
      if (!parse_double(text, v) || !(v >= min && v <= max))
        throw std::invalid_argument(name + " expects a number in " + range_text() + ", got '" + text + "'");
      return v;
    }
    case SettingType::numbers: {
      std::vector<double> out;
      const auto items = split_items(text);
      if (items.empty()) throw std::invalid_argument(name + ": no items in '" + text + "'");
      for (const auto& item : items) {
        double v = 0;
        if (!parse_double(item, v) || !std::isfinite(v))
          throw std::invalid_argument(name + ": '" + item + "' is not a number");
        out.push_back(v);
      }
      return out;
    }
    case SettingType::fraction: {
      const auto slash = text.find('/');
      std::int64_t i = -1, n = 0;
      if (slash == std::string::npos || !parse_int64(text.substr(0, slash), i) ||
          !parse_int64(text.substr(slash + 1), n) || n < 1 || n > 1000000 || i < 0 || i >= n)
        throw std::invalid_argument(name + " expects I/N with 0 <= I < N, got '" + text + "'");
      return std::vector<double>{static_cast<double>(i), static_cast<double>(n)};
    }
  }
  throw std::logic_error("unknown setting type");
}

void set_setting(CampaignConfig& config, const std::string& key, const std::string& text) {
  const Setting* s = find_setting_by_key(key);
  if (!s) throw std::invalid_argument("unknown setting '" + key + "'");
  try {
    s->assign(config, s->parse_text(text, key));
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    throw std::invalid_argument(what.starts_with(key) ? what : key + ": " + what);
  }
}

namespace {
// A table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string numbers(const std::vector<double>& values) {
  std::string out;
  for (double v : values) out += (out.empty() ? "" : ", ") + number_text(v);
  return out;
}

std::string size_text(const std::array<int, 2>& hw) {
  return hw[0] == hw[1] ? std::to_string(hw[0]) : std::to_string(hw[0]) + "x" + std::to_string(hw[1]);
}

// The preprocessing presets' table rows, read from the presets themselves (data/preprocess_preset.cpp).
std::string preset_table() {
  std::string rows;
  for (const std::string& name : data::preset_names()) {
    const data::PreprocessSpec rgb = data::preset_preprocess(name, 3);
    std::string channels = data::to_string(rgb.channel_order);
    // A preset that also feeds one-channel inputs says how.
    try {
      channels += std::string(" (") + data::to_string(data::preset_preprocess(name, 1).channel_order) +
                  " for 1 channel)";
    } catch (const std::invalid_argument&) {
    }
    const std::string scale = rgb.scale == 1.0 / 255.0 ? "1/255" : number_text(rgb.scale);
    const bool uniform_mean =
        std::all_of(rgb.mean.begin(), rgb.mean.end(), [&](double m) { return m == rgb.mean[0]; });
    const bool uniform_std =
        std::all_of(rgb.std.begin(), rgb.std.end(), [&](double v) { return v == rgb.std[0]; });
    const std::string mean = uniform_mean && rgb.mean[0] == 0 ? "0" : numbers(rgb.mean);
    const std::string stdev =
        uniform_std && rgb.std[0] == 1 && uniform_mean && rgb.mean[0] == 0 ? "1" : numbers(rgb.std);
    const std::string resize = rgb.resize_shorter > 0 ? "shorter side " + std::to_string(rgb.resize_shorter)
                               : rgb.resize_to[0] > 0 ? size_text(rgb.resize_to)
                                                      : "none";
    const std::string crop = rgb.crops() ? size_text(rgb.crop) : "none";
    rows += "| `" + name + "` | " + channels + " | " + scale + " | " + mean + " | " + stdev + " | " + resize +
            " | " + crop + " |\n";
  }
  return rows;
}
}  // namespace

std::string settings_markdown() {
  std::ostringstream md;
  md << "# Campaign settings\n\n"
        "Every setting of `flipguard campaign` (and, where marked, of the other commands), as "
        "a key of a TOML study file (`--config FILE.toml`) and as a command-line flag. Flags override the "
        "file. Generated from the settings table (`src/campaign/settings/settings.cpp`) by `flipguard "
        "settings`; a "
        "test "
        "keeps this file current.\n\n"
        "| key | flag | value | default | commands | what it does |\n"
        "|---|---|---|---|---|---|\n";
  for (const auto& s : settings()) {
    std::string value = s.metavar;
    if (!s.range_text().empty()) value += " in " + s.range_text();
    std::string commands;
    const std::pair<unsigned, const char*> names[] = {{kForCampaign, "campaign"},
                                                      {kForLayerCampaign, "layer-campaign"},
                                                      {kForSweepT, "sweep-t"},
                                                      {kForEval, "eval"},
                                                      {kForRun, "run"},
                                                      {kForModelInit, "model-init"},
                                                      {kForInspectModel, "inspect-model"}};
    for (const auto& [bit, name] : names)
      if (s.scope & bit) commands += (commands.empty() ? "" : ", ") + std::string(name);
    const unsigned first_scope = s.scope & -s.scope;  // the lowest bit: the command the default is shown for
    const std::string shown = s.default_note.empty() ? s.show(defaults_for(first_scope)) : s.default_note;
    std::string flags = "`" + s.flag + "`";
    for (const auto& a : s.aliases) flags += " (or `" + a + "`)";
    md << "| " << (s.key.empty() ? "(flag only)" : "`" + s.key + "`") << " | " << flags << " | "
       << cell(value) << " | " << (shown.empty() ? "" : "`" + cell(shown) + "`") << " | " << commands << " | "
       << cell(s.help) << " |\n";
  }
  md << "\nLists are comma-separated on the command line (`--formats q2.5,fp16`) and arrays in TOML "
        "(`formats = [\"q2.5\", \"fp16\"]`). An item listed twice is refused, comparing canonical forms. An "
        "empty value is refused. Unknown keys and flags are errors naming the file or the flag.\n\n"
        "## Preprocessing\n\n"
        "A model is fed by its sidecar's preprocessing (docs/model-sidecar.md). `preset` replaces it with a "
        "named recipe, and each of `resize`, `crop`, `mean`, `std`, `scale`, `channel_order` and "
        "`resize_filter` overrides one value of the sidecar's or the preset's. An `.onnx` model without a "
        "sidecar takes its input (name, channels, height, width, NCHW or NHWC) and its classes from the "
        "graph "
        "and needs a preset or these settings (without a preset they start from `none`). In TOML: "
        "`preset = \"torchvision\"`, `crop = 224` or `crop = \"224x224\"`, `mean = [0.485, 0.456, 0.406]`, "
        "`scale = \"1/255\"`. The effective preprocessing is part of a campaign's identity.\n\n"
        "| preset | channels | scale | mean | std | resize | crop |\n|---|---|---|---|---|---|---|\n";
  md << preset_table()
     << "\n"
        "Resizes use `bilinear` (PIL's antialiased bilinear, as torchvision applies it to PIL images) unless "
        "`resize_filter` says otherwise.\n\n"
        "## Fault models\n\n"
        "`fault` is what a fault does; each cell's BER is its rate. Each form is kept in a canonical "
        "spelling (part of the campaign's identity), and each trial record's `fault_model` holds it with the "
        "rate. Generated from the fault model registry (`src/faults/fault_model_registry.hpp`).\n\n"
        "| `fault` | what a fault does | options | e.g. | its record's `fault_model` at BER 1e-4 |\n"
        "|---|---|---|---|---|\n";
  for (const auto* t : faults::fault_model_types())
    md << "| `" << cell(t->setting_syntax()) << "` | " << cell(std::string(t->summary)) << " | "
       << (t->options_syntax.empty() ? "" : "`@" + cell(std::string(t->options_syntax)) + "`: ")
       << cell(std::string(t->options_doc)) << " | `" << cell(std::string(t->example)) << "` | `"
       << cell(faults::setting_spec(t->example, "0.0001")) << "` |\n";
  md << "\nA bit beyond a format's width (bit 30 of q2.5's 8) and a target naming no faulted tensor or an "
        "element past its end are refused before any trial runs.\n\n"
        "## Protections\n\n"
        "Each of `protections` is tokens joined by '+' (or `none`), each kind at most once, in any order; "
        "records and the campaign's identity hold the canonical spelling, its tokens in the order below. A "
        "read goes through the stack: storage code decode, format decode, value transforms undone, read "
        "guards. Generated from the protection registry (`src/protect/protection_registry.hpp`).\n\n"
        "| forms | acts as | what it does | e.g. |\n|---|---|---|---|\n";
  for (const auto* t : protect::protection_types()) {
    const char* stage = t->stage == protect::ProtectionStage::value_transform ? "value transform"
                        : t->stage == protect::ProtectionStage::storage_code  ? "storage code"
                                                                              : "read guard";
    md << "| `" << cell(std::string(t->syntax)) << "` | " << stage << " | " << cell(std::string(t->summary))
       << " | `" << cell(std::string(t->example)) << "` |\n";
  }
  return md.str();
}

}  // namespace flipguard::campaign
