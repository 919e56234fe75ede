#include "campaign/trial_record.hpp"

#include <cstdio>

namespace flipguard::campaign {

std::string TrialRecord::cell_key() const {
  char ber_text[32];
  std::snprintf(ber_text, sizeof ber_text, "%.17g", ber);
  return format + "|" + protection + "|" + ber_text;
}

std::string TrialRecord::record_key() const {
  return tensors + "|" + cell_key() + "|" + std::to_string(trial);
}

void to_json(nlohmann::json& j, const TrialRecord& r) {
  j = nlohmann::json{{"version", r.version},
                     {"campaign", r.campaign},
                     {"model", r.model},
                     {"model_sha256", r.model_sha256},
                     {"data", r.data},
                     {"data_hash", r.data_hash},
                     {"images", r.images},
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
                     {"top1", r.top1},
                     {"top5", r.top5},
                     {"non_finite", r.non_finite},
                     {"ecc_corrected", r.ecc_corrected},
                     {"ecc_detected", r.ecc_detected},
                     {"seconds_faults", r.seconds_faults},
                     {"seconds_inference", r.seconds_inference}};
}

void from_json(const nlohmann::json& j, TrialRecord& r) {
  j.at("version").get_to(r.version);
  if (r.version != kRecordVersion)
    throw std::runtime_error("results record version " + std::to_string(r.version) +
                             " is not supported (expected " + std::to_string(kRecordVersion) + ")");
  j.at("campaign").get_to(r.campaign);
  j.at("model").get_to(r.model);
  j.at("model_sha256").get_to(r.model_sha256);
  j.at("data").get_to(r.data);
  j.at("data_hash").get_to(r.data_hash);
  j.at("images").get_to(r.images);
  j.at("format").get_to(r.format);
  j.at("protection").get_to(r.protection);
  j.at("memory_overhead").get_to(r.memory_overhead);
  r.scale_target = j.value("t", 0.0);  // absent in files written before it was recorded
  j.at("ber").get_to(r.ber);
  j.at("fault_model").get_to(r.fault_model);
  j.at("seed").get_to(r.seed);
  j.at("trial").get_to(r.trial);
  j.at("tensors").get_to(r.tensors);
  j.at("flips").get_to(r.flips);
  j.at("changed_weights").get_to(r.changed_weights);
  j.at("top1").get_to(r.top1);
  j.at("top5").get_to(r.top5);
  j.at("non_finite").get_to(r.non_finite);
  j.at("ecc_corrected").get_to(r.ecc_corrected);
  j.at("ecc_detected").get_to(r.ecc_detected);
  j.at("seconds_faults").get_to(r.seconds_faults);
  j.at("seconds_inference").get_to(r.seconds_inference);
  if (r.images < 0 || r.top1 < 0 || r.top5 < r.top1 || r.top5 > r.images || r.ber < 0 || r.ber > 1)
    throw std::runtime_error("results record has inconsistent counts or BER");
}

}  // namespace flipguard::campaign
