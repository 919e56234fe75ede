#include "report/results_reader.hpp"

#include <map>
#include <sstream>

#include "campaign/records/results_file.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "report/report_error.hpp"

namespace flipguard::report {

namespace {

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

ResultsData read_results(std::istream& in, const std::string& name) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  if (in.bad()) throw ReportError(name + ": read error");
  std::size_t last = lines.size();  // index of the last non-blank line
  while (last > 0 && blank(lines[last - 1])) --last;

  ResultsData out;
  std::map<std::string, std::size_t> seen;  // record key -> line number
  for (std::size_t i = 0; i < last; ++i) {
    if (blank(lines[i])) continue;
    const std::string where = name + ":" + std::to_string(i + 1);
    campaign::TrialRecord r;
    try {
      nlohmann::json::parse(lines[i]).get_to(r);
    } catch (const std::exception& e) {
      if (i + 1 == last) {
        out.warnings.push_back(where + ": truncated or corrupt last line ignored (" + e.what() + ")");
        break;
      }
      throw ReportError(where + ": corrupt results line (" + e.what() + ")");
    }
    if (!out.records.empty() && r.campaign != out.records.front().campaign)
      throw ReportError(where + ": record of campaign '" + r.campaign + "' in a file of campaign '" +
                        out.records.front().campaign + "': results of several campaigns are mixed");
    const auto [it, fresh] = seen.emplace(r.record_key(), i + 1);
    if (!fresh)
      throw ReportError(where + ": trial '" + r.record_key() + "' already recorded on line " +
                        std::to_string(it->second));
    out.records.push_back(std::move(r));
  }
  if (out.records.empty()) throw ReportError(name + ": no trial records");
  return out;
}

ResultsData read_results(const std::filesystem::path& path) {
  std::string text;
  try {
    text = campaign::read_results_text(path.string());  // regular files only, bounded
  } catch (const std::runtime_error& e) {
    throw ReportError(e.what());
  }
  std::istringstream in(std::move(text));
  return read_results(in, path.string());
}

}  // namespace flipguard::report
