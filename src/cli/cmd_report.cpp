// flipguard report: tables and plots derived from a campaign's results file alone.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "report/report_writer.hpp"

namespace {

const char* const kUsage =
    "usage: flipguard report RESULTS.jsonl [--out DIR] [--title T]\n"
    "  RESULTS.jsonl  a campaign's results file (one trial record per line)\n"
    "  --out DIR      output folder (default: next to the results, <stem>-report/)\n"
    "  --title T      report title (default: \"<model> on <data>: bit-flip campaign\")\n"
    "writes summary.md, summary.csv, top1_vs_ber_<format>.svg and a self-contained report.html\n";

int run(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
  std::string results, out, title;
  try {
    if (args.empty() || args[0].starts_with("--"))
      throw flipguard::cli::UsageError("the results file is missing");
    results = args[0];
    const flipguard::cli::Options opts({args.begin() + 1, args.end()}, {"--out", "--title"}, {});
    out = opts.get("--out");
    title = opts.get("--title");
  } catch (const flipguard::cli::UsageError& e) {
    std::cerr << "flipguard report: " << e.what() << "\n" << kUsage;
    return 2;
  }
  const auto written = flipguard::report::write_report(results, out, title);
  for (const auto& w : written.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& f : written.files) std::cout << f.string() << "\n";
  return 0;
}

const flipguard::cli::RegisterCommand reg{
    "report", "tables and plots (Markdown, CSV, SVG, HTML) from a results file", run};

}  // namespace
