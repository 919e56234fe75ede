// `flipguard report`: results file in; out: summary.md, summary.csv, per format three SVGs (Top-1 and Top-5
// vs BER, the trials' distribution) and report.html; for a layer campaign (records of several faulted
// tensors) layers.md, layers.csv, the layer heatmap layers_top1.svg and report.html. With `latex`, also
// summary.tex (or layers.tex).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace flipguard::report {

struct ReportOutput {
  std::filesystem::path dir;
  std::vector<std::filesystem::path> files;   // written, in order
  std::vector<std::string> warnings;          // from reading the results
  std::vector<std::filesystem::path> inputs;  // the results read: no report file may replace them
};

// Default output folder: next to the results, "<stem>-report".
std::filesystem::path default_report_dir(const std::filesystem::path& results);

// out_dir empty: default_report_dir(results); title empty: "<model> on <data>: bit-flip campaign".
// Throws ReportError on bad input or when a file cannot be written.
ReportOutput write_report(const std::filesystem::path& results, std::filesystem::path out_dir = {},
                          std::string title = {}, bool latex = false);

}  // namespace flipguard::report
