#include "campaign/records/trial_record.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "campaign/records/trial_record_json.hpp"

namespace flipguard::campaign {

std::string TrialRecord::cell_key() const {
  char ber_text[32];
  std::snprintf(ber_text, sizeof ber_text, "%.17g", ber);
  return format + "|" + protection + "|" + ber_text;
}

std::string TrialRecord::record_key() const {
  return tensors + "|" + cell_key() + "|" + std::to_string(trial);
}

std::string to_json_line(const TrialRecord& record) {
  return nlohmann::json(record).dump();
}

void to_json(nlohmann::json& j, const TrialRecord& r) {
  j = nlohmann::json{{"version", r.version},
                     {"campaign", r.campaign},
                     {"model", r.model},
                     {"model_sha256", r.model_sha256},
                     {"data", r.data},
                     {"data_hash", r.data_hash},
                     {"images", r.images},
                     {"images_skipped", r.images_skipped},
                     {"format", r.format},
                     {"protection", r.protection},
                     {"memory_overhead", r.memory_overhead},
                     {"t", r.scale_target},
                     {"ber", r.ber},
                     {"fault_model", r.fault_model},
                     {"seed", r.seed},
                     {"trial", r.trial},
                     {"tensors", r.tensors},
                     {"flips", r.flips},
                     {"changed_weights", r.changed_weights},
                     {"non_finite", r.non_finite},
                     {"ecc_corrected", r.ecc_corrected},
                     {"ecc_detected", r.ecc_detected},
                     {"critical_faults", r.critical_faults},
                     {"critical_words", r.critical_words},
                     {"seconds_faults", r.seconds_faults},
                     {"seconds_inference", r.seconds_inference}};
  if (r.labelled) {
    j["top1"] = r.top1;
    j["top5"] = r.top5;
  } else {
    j["labelled"] = false;
  }
  if (r.has_sdc) {
    j["sdc1"] = r.sdc1;
    j["sdc5"] = r.sdc5;
    j["logit_max_abs"] = r.logit_max_abs;
    j["logit_rel_l2"] = std::isfinite(r.logit_rel_l2) ? nlohmann::json(r.logit_rel_l2) : nlohmann::json();
  }
  // Written only when set, so records of campaigns without these features read as before.
  if (r.early_stopped) j["early_stopped"] = true;
  if (r.reused) j["reused"] = true;
  if (r.start_layer > 0) j["start_layer"] = r.start_layer;
  if (r.adaptive.adaptive())
    j["adaptive"] = {{"ci_target", r.adaptive.ci_target},
                     {"min_trials", r.adaptive.min_trials},
                     {"max_trials", r.adaptive.max_trials},
                     {"wave", r.adaptive.wave}};
  if (r.design_images > 0) {
    j["design"] = {{"images", r.design_images}, {"round", r.design_round}, {"batch", r.design_batch}};
    if (r.stratum >= 0)
      j["design"]["stratum"] = {{"index", r.stratum}, {"lo", r.stratum_lo}, {"hi", r.stratum_hi}};
  }
  if (r.adaptive.adaptive() && r.adaptive.metric != Metric::top1)
    j["adaptive"]["metric"] = to_string(r.adaptive.metric);
  // Faulty cells' interval method, adaptive or not (the clean cell's is always binomial).
  if (r.ber > 0) j["interval"] = stats::to_string(r.adaptive.interval);
}

namespace {

// Counts must be JSON integers that fit: nlohmann's get_to turns 1.5 into 1 and -5 into 2^64 - 5, and
// converting 1e300 to an integer is undefined behaviour.
template <typename T>
void get_integer(const nlohmann::json& j, const char* key, T& out) {
  const nlohmann::json& v = j.at(key);
  bool fits = false;
  if (v.is_number_unsigned()) {
    const auto x = v.get<std::uint64_t>();
    fits = std::in_range<T>(x);
    if (fits) out = static_cast<T>(x);
  } else if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    fits = std::in_range<T>(x);
    if (fits) out = static_cast<T>(x);
  } else {
    throw std::runtime_error(std::string("field '") + key + "' must be an integer, got " + v.dump());
  }
  if (!fits) throw std::runtime_error(std::string("field '") + key + "' is out of range: " + v.dump());
}

void get_number(const nlohmann::json& j, const char* key, double& out) {
  const nlohmann::json& v = j.at(key);
  if (!v.is_number())
    throw std::runtime_error(std::string("field '") + key + "' must be a number, got " + v.dump());
  out = v.get<double>();
}

}  // namespace

void from_json(const nlohmann::json& j, TrialRecord& r) {
  get_integer(j, "version", r.version);
  if (r.version != kRecordVersion)
    throw std::runtime_error("results record version " + std::to_string(r.version) +
                             " is not supported (expected " + std::to_string(kRecordVersion) + ")");
  j.at("campaign").get_to(r.campaign);
  j.at("model").get_to(r.model);
  j.at("model_sha256").get_to(r.model_sha256);
  j.at("data").get_to(r.data);
  j.at("data_hash").get_to(r.data_hash);
  get_integer(j, "images", r.images);
  r.images_skipped = j.value("images_skipped", std::int64_t{0});  // absent in files written before it existed
  j.at("format").get_to(r.format);
  j.at("protection").get_to(r.protection);
  get_number(j, "memory_overhead", r.memory_overhead);
  r.scale_target = 0.0;  // absent in files written before it was recorded
  if (j.contains("t")) get_number(j, "t", r.scale_target);
  get_number(j, "ber", r.ber);
  j.at("fault_model").get_to(r.fault_model);
  get_integer(j, "seed", r.seed);
  get_integer(j, "trial", r.trial);
  j.at("tensors").get_to(r.tensors);
  get_integer(j, "flips", r.flips);
  get_integer(j, "changed_weights", r.changed_weights);
  r.labelled = j.value("labelled", true);
  if (r.labelled) {
    get_integer(j, "top1", r.top1);
    get_integer(j, "top5", r.top5);
  } else if (j.contains("top1") || j.contains("top5")) {
    throw std::runtime_error("results record without labels holds top1/top5");
  }
  r.has_sdc = j.contains("sdc1");
  if (r.has_sdc) {
    get_integer(j, "sdc1", r.sdc1);
    get_integer(j, "sdc5", r.sdc5);
    get_number(j, "logit_max_abs", r.logit_max_abs);
    r.logit_rel_l2 = std::numeric_limits<double>::infinity();
    if (!j.at("logit_rel_l2").is_null()) get_number(j, "logit_rel_l2", r.logit_rel_l2);
  } else if (!r.labelled) {
    throw std::runtime_error("results record without labels has no sdc1");
  }
  get_integer(j, "non_finite", r.non_finite);
  get_integer(j, "ecc_corrected", r.ecc_corrected);
  get_integer(j, "ecc_detected", r.ecc_detected);
  // Absent in files written before they were recorded: 0 words means no critical-bit split for such cells.
  if (j.contains("critical_faults")) get_integer(j, "critical_faults", r.critical_faults);
  if (j.contains("critical_words")) get_integer(j, "critical_words", r.critical_words);
  get_number(j, "seconds_faults", r.seconds_faults);
  get_number(j, "seconds_inference", r.seconds_inference);
  r.early_stopped = j.value("early_stopped", false);
  r.reused = j.value("reused", false);
  r.start_layer = j.value("start_layer", 0);
  if (r.start_layer < 0 || (r.reused && r.start_layer > 0))
    throw std::runtime_error(
        "results record has an inconsistent shortcut (reused with a start layer, or a "
        "negative start layer)");
  r.adaptive = StoppingRule{.ci_target = 0};
  if (j.contains("adaptive")) {
    const auto& a = j.at("adaptive");
    a.at("ci_target").get_to(r.adaptive.ci_target);
    a.at("min_trials").get_to(r.adaptive.min_trials);
    a.at("max_trials").get_to(r.adaptive.max_trials);
    a.at("wave").get_to(r.adaptive.wave);
    if (a.contains("metric")) r.adaptive.metric = parse_metric(a.at("metric").get<std::string>());
  }
  // Absent in files written before the setting existed: those cells were stopped and reported with t.
  r.adaptive.interval = stats::IntervalMethod::student_t;
  if (j.contains("interval"))
    r.adaptive.interval = stats::parse_interval_method(j.at("interval").get<std::string>());
  r.design_images = 0, r.design_round = 0, r.stratum = -1, r.stratum_lo = 0, r.stratum_hi = -1;
  r.design_batch = 1;
  if (j.contains("design")) {
    const auto& d = j.at("design");
    d.at("images").get_to(r.design_images);
    d.at("round").get_to(r.design_round);
    r.design_batch = d.value("batch", 1);
    if (d.contains("stratum")) {
      d.at("stratum").at("index").get_to(r.stratum);
      d.at("stratum").at("lo").get_to(r.stratum_lo);
      d.at("stratum").at("hi").get_to(r.stratum_hi);
    }
    if (r.design_images < 1 || r.design_round < 0 || r.design_batch < 1 || r.stratum < -1 ||
        r.stratum_lo < 0 || (r.stratum_hi >= 0 && r.stratum_hi < r.stratum_lo))
      throw std::runtime_error("results record has an inconsistent design (images, round or stratum)");
  }
  if (r.images < 0 || r.images_skipped < 0 || r.top1 < 0 || r.top5 < r.top1 || r.top5 > r.images ||
      r.ber < 0 || r.ber > 1 || r.critical_faults < 0 || r.critical_words < 0 ||
      r.critical_faults > r.critical_words || r.sdc1 < 0 || r.sdc5 < 0 || r.sdc1 > r.images ||
      r.sdc5 > r.sdc1 || r.logit_max_abs < 0 || r.logit_rel_l2 < 0)
    throw std::runtime_error("results record has inconsistent counts or BER");
}

}  // namespace flipguard::campaign
