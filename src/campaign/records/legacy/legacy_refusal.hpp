// Results files of this campaign identified the old way (before content identity, or before NaN went through
// the engine's operators): a run refuses them as another campaign's, and these name the file and what to do
// instead. Only a run's refusal calls them, to explain it.
#pragma once

#include <string>

namespace flipguard::campaign {

// The campaign of the file's first record, reading only that line ("" for a missing or empty file, or one
// whose first line is not a record: the run's own checks name those).
std::string first_record_campaign(const std::string& path);

// Before a run opens its results file: an error naming `path` and the command to run when its first record
// carries `legacy_id` (the same campaign, identified the old way), instead of "another campaign".
void refuse_legacy_results(const std::string& path, const std::string& legacy_id);
// The same for a file of `previous_id`, the campaign's id before NaN went through the engine's operators as
// PyTorch does: rekey moves it when none of its records is of a float format (whose trials may differ now).
void refuse_results_before_nan_faithful(const std::string& path, const std::string& previous_id);

}  // namespace flipguard::campaign
