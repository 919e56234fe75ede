#include "report/results_reader.hpp"

#include <iterator>
#include <optional>

#include "campaign/records/results_file.hpp"
#include "report/report_error.hpp"

namespace flipguard::report {

ResultsData read_results(std::istream& in, const std::string& name) {
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw ReportError(name + ": read error");
  return read_results_text(text, name);
}

ResultsData read_results_text(std::string_view text, const std::string& name) {
  // The campaign's own parser, with its rules; only the wording is the report's (lines, not records).
  campaign::ParsedResults parsed;
  try {
    parsed = campaign::parse_results_text(text, name);
  } catch (const campaign::ResultsParseError& e) {
    const std::string where = name + ":" + std::to_string(e.line);
    using Kind = campaign::ResultsParseError::Kind;
    if (e.kind == Kind::corrupt) throw ReportError(where + ": corrupt results line (" + e.detail + ")");
    if (e.kind == Kind::not_results)
      throw ReportError(where + ": corrupt results line (" + e.detail + "): not a flipguard results file");
    throw ReportError(e.what());
  }
  ResultsData out;
  if (parsed.dropped_line > 0)
    out.warnings.push_back(name + ":" + std::to_string(parsed.dropped_line) +
                           ": truncated or corrupt last line ignored (" + parsed.dropped_reason + ")");
  out.records = std::move(parsed.records);
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
  return read_results_text(text, path.string());
}

}  // namespace flipguard::report
