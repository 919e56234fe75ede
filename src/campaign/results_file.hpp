// The campaign's results file: JSON Lines, one TrialRecord per line, appended as trials finish. Each record
// is written with a single write() and flushed to disk, so a kill at any moment leaves complete lines plus at
// most one partial last line, which reopening drops. Records of another campaign are refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "campaign/trial_record.hpp"

namespace flipguard::campaign {

// The records of a results file, read without changing it: complete valid lines, and a warning for a
// partial or corrupt last line (dropped). A corrupt line elsewhere is an error naming the file and line.
// A missing file reads as empty.
struct ParsedResults {
  std::vector<TrialRecord> records;
  std::uintmax_t valid_bytes = 0;  // length of the prefix made of complete, valid lines
  std::string warning;
};
ParsedResults parse_results(const std::string& path);

class ResultsFile {
 public:
  // Opens (creating folders and the file if needed) and reads the records already there. A partial last line
  // is cut off with a warning; a corrupt line elsewhere, or a record of a different campaign, is an error
  // naming the file and line.
  ResultsFile(std::string path, std::string campaign_id);
  ~ResultsFile();
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  const std::string& path() const { return path_; }
  bool has(const std::string& record_key) const { return done_.count(record_key) != 0; }
  const std::vector<TrialRecord>& records() const { return records_; }
  void append(const TrialRecord& r);
  // What reopening found and repaired, for the log ("" if nothing).
  const std::string& repair_note() const { return repair_note_; }

 private:
  std::string path_, campaign_;
  int fd_ = -1;
  std::vector<TrialRecord> records_;
  std::map<std::string, size_t> done_;
  std::string repair_note_;
};

}  // namespace flipguard::campaign
