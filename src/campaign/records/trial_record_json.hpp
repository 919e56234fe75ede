// A trial record as one JSON object: the results file's line format (kept out of trial_record.hpp so the
// public API does not carry the JSON library).
#pragma once

#include <nlohmann/json.hpp>

#include "campaign/records/trial_record.hpp"

namespace flipguard::campaign {

void to_json(nlohmann::json& j, const TrialRecord& r);
void from_json(const nlohmann::json& j, TrialRecord& r);

}  // namespace flipguard::campaign
