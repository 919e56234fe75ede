// The per-cell table the campaign and sweep-t commands print when they finish (mean Top-1 with its 95% CI).
#pragma once

#include <vector>

#include "campaign/records/trial_record.hpp"

namespace flipguard::cli {

void print_cells(const std::vector<campaign::TrialRecord>& records);

}  // namespace flipguard::cli
