// The campaign's results file: JSON Lines, one TrialRecord per line, appended as trials finish. Each record
// is written whole and flushed to disk, so a kill at any moment leaves complete lines plus at most one
// partial last line, which reopening drops. The file belongs to one run at a time (an exclusive lock the
// kernel releases when the process dies) and to flipguard only: a file that is not this campaign's results is
// refused and left untouched.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/records/trial_record.hpp"

namespace flipguard::campaign {

// A results file is read whole, but never past this size: a larger file is not one flipguard wrote.
inline constexpr std::uintmax_t kMaxResultsBytes = std::uintmax_t{16} << 30;

// The whole content of an existing results file; only a regular file (or a link to one) is read, and at most
// kMaxResultsBytes. Errors name the path and the real cause.
std::string read_results_text(const std::string& path);

// What is wrong with a results file's text, by kind, so that each reader words it for its own context (a
// resume speaks of records, a report of lines); what() is the campaign's wording.
class ResultsParseError : public std::runtime_error {
 public:
  enum class Kind {
    not_results,     // the first line is not a record: another program's file
    corrupt,         // a line that is no valid record, and not a partial last one
    other_campaign,  // a record of another campaign than the one asked for (or than the first record's)
    repeated_trial,  // the same trial twice
  };
  ResultsParseError(Kind kind, int line, std::string detail, std::string message)
      : std::runtime_error(std::move(message)), kind(kind), line(line), detail(std::move(detail)) {}
  Kind kind;
  int line;            // 1-based
  std::string detail;  // the cause alone: the JSON or field error, the other campaign's id, the first line
};

// The one reader of results files: campaign resume, merge, rekey and `report` all parse through it, so they
// accept and refuse the same files. Complete valid lines are records, all of one campaign (`campaign`, when
// given; else the first record's), no trial twice. Blank lines at the end are ignored. A bad last line is
// dropped with a warning when it follows records or is itself the beginning of a record (what a killed write
// leaves); any other bad line, a blank line between records included, is a ResultsParseError naming the line.
struct ParsedResults {
  std::vector<TrialRecord> records;
  std::vector<int> lines;          // each record's line number
  std::uintmax_t valid_bytes = 0;  // length of the prefix made of complete, valid lines
  int dropped_line = 0;            // the partial last line dropped (0: none)
  std::string dropped_reason;      // why it is no record
  std::string warning;             // the campaign's wording of the drop ("" if none)
};
ParsedResults parse_results_text(std::string_view text, const std::string& path,
                                 const std::optional<std::string>& campaign = std::nullopt);
// The same from a file; a missing file reads as empty.
ParsedResults parse_results(const std::string& path);

// Writes `text` as the whole content of `path` through a temporary beside it, renamed into place once
// complete and on disk: a failure at any step (a full disk) leaves `path` as it was and no temporary behind,
// and the error (prefixed with `who`) names the operating system's cause.
void write_results_atomically(const std::string& path, const std::string& text, const std::string& who);

class ResultsFile {
 public:
  // Opens (creating folders and the file if needed), takes the run's exclusive lock and reads the records
  // already there. Refuses what is not a regular file, a file locked by another run (naming its pid), a file
  // that is not this campaign's results; cuts a torn last line off with a warning.
  ResultsFile(std::string path, std::string campaign_id);
  ~ResultsFile();
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  const std::string& path() const { return path_; }
  bool has(const std::string& record_key) const { return done_.count(record_key) != 0; }
  const std::vector<TrialRecord>& records() const { return records_; }
  // Appends one record, flushed to disk. On failure (a full disk) the file keeps only whole records and the
  // error names the operating system's cause.
  void append(const TrialRecord& r);
  // What reopening found and repaired, for the log ("" if nothing).
  const std::string& repair_note() const { return repair_note_; }

 private:
  std::string path_, campaign_;
  int fd_ = -1;
  std::uintmax_t size_ = 0;  // bytes of whole records in the file
  std::vector<TrialRecord> records_;
  std::map<std::string, size_t> done_;
  std::string repair_note_;
};

}  // namespace flipguard::campaign
