// Reads a campaign's results file (JSON Lines, one TrialRecord per line) for reporting, through the
// campaign's one parser (campaign/records/results_file.hpp) and so by its rules: a truncated or corrupt LAST
// line is what a killed run leaves behind and is skipped with a warning; a corrupt line anywhere else,
// records of several campaigns, or the same trial twice is an error naming the file and line, since any of
// those would make the report silently wrong. A file without records is an error too.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/records/trial_record.hpp"

namespace flipguard::report {

struct ResultsData {
  std::vector<campaign::TrialRecord> records;  // in file order
  std::vector<std::string> warnings;           // "file:line: ..." for each skipped line
};

// `name` is used in messages only. Throws ReportError.
ResultsData read_results(std::istream& in, const std::string& name);
ResultsData read_results_text(std::string_view text, const std::string& name);
ResultsData read_results(const std::filesystem::path& path);

}  // namespace flipguard::report
