// `flipguard report`: results file in, summary.md, summary.csv, one SVG per format and report.html out; for
// a layer campaign (records of several faulted tensors), layers.md and layers.csv.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace flipguard::report {

struct ReportOutput {
  std::filesystem::path dir;
  std::vector<std::filesystem::path> files;  // written, in order
  std::vector<std::string> warnings;         // from reading the results
};

// Default output folder: next to the results, "<stem>-report".
std::filesystem::path default_report_dir(const std::filesystem::path& results);

// out_dir empty: default_report_dir(results); title empty: "<model> on <data>: bit-flip campaign".
// Throws ReportError on bad input or when a file cannot be written.
ReportOutput write_report(const std::filesystem::path& results, std::filesystem::path out_dir = {},
                          std::string title = {});

}  // namespace flipguard::report
