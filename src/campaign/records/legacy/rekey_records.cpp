#include "campaign/records/legacy/rekey_records.hpp"

#include <stdexcept>

#include "campaign/records/trial_record_json.hpp"
#include "memory/format.hpp"

namespace flipguard::campaign {

std::string rekeyed_records(const std::string& path, const ResultsFile& file, const RekeyTarget& target,
                            std::int64_t& records) {
  std::string text;
  for (TrialRecord r : file.records()) {
    // Fixed-point and INT8 weights and their activations stay finite: no NaN reaches an operator, and the
    // trial is the same either way. A float format's trial may not be.
    if (memory::Format::parse(r.format).is_float())
      throw std::runtime_error(
          path + ": record " + r.record_key() + " is of the float format " + r.format +
          ", made before NaN went through flipguard's operators as it does in PyTorch; "
          "its trial may come out otherwise now, so rekey moves only files of fixed-point "
          "and INT8 records: run the campaign into another results file; left untouched");
    if (r.model_sha256 != target.model_sha256 || r.data_hash != target.old_data_hash)
      throw std::runtime_error(path + ": record " + r.record_key() + " claims model " + r.model_sha256 +
                               " and data " + r.data_hash + ", not " + target.model_sha256 + " and " +
                               target.old_data_hash + "; left untouched");
    r.campaign = target.campaign;
    r.data_hash = target.new_data_hash;
    text += nlohmann::json(r).dump() + "\n";
    ++records;
  }
  return text;
}

}  // namespace flipguard::campaign
