// Joins the results files of a campaign's shards (flipguard campaign --shard i/N) into one file with the
// records a single run would have written (timings aside), so reports and resumes read it like any other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flipguard::campaign {

struct MergeSummary {
  std::int64_t records = 0;     // written
  std::int64_t duplicates = 0;  // identical records found in several inputs, written once
  std::vector<std::string> warnings;
};

// Inputs must hold records of one campaign (the first record read sets it; a record of another campaign is
// an error naming its file and line). A trial present twice with the same content (timings aside) is kept
// once; with different content it is an error naming both places. `out` must not exist; it is written to a
// temporary file first and renamed, so a failed merge leaves nothing behind. Records are written grouped by
// cell (formats and protections in first-seen order, BER ascending), trials ascending.
MergeSummary merge_results(const std::string& out, const std::vector<std::string>& inputs);

}  // namespace flipguard::campaign
