#include "campaign/records/trial_record.hpp"

#include <cstdio>
#include <string>

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

}  // namespace flipguard::campaign
