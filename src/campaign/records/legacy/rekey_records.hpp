// The record rewrite of `flipguard rekey`: records of a campaign identified an older way moved, unchanged in
// what they measured, to the campaign's id of today. Which file and which ids is decided above
// (running/rekey_campaign.cpp, from the settings); this part only checks and rewrites records.
#pragma once

#include <cstdint>
#include <string>

#include "campaign/records/results_file.hpp"

namespace flipguard::campaign {

struct RekeyTarget {
  std::string campaign;       // the id the records move to
  std::string model_sha256;   // what every record must claim
  std::string old_data_hash;  // what every record must claim, in the old identity's hash
  std::string new_data_hash;  // what the records carry afterwards
};

// The records of `file` (read from `path`) as JSON lines under `target`, counted in `records`. Throws
// std::runtime_error naming `path` and the record, leaving the file untouched, when a record is of a float
// format (its trial may come out otherwise since NaN goes through the operators) or claims another model or
// data.
std::string rekeyed_records(const std::string& path, const ResultsFile& file, const RekeyTarget& target,
                            std::int64_t& records);

}  // namespace flipguard::campaign
