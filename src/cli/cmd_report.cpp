// flipguard report: tables and plots derived from a campaign's results file alone.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "report/report_writer.hpp"

namespace flipguard::cli {
namespace {

int run(const Arguments& args) {
  if (args.positionals.size() != 1)
    throw UsageError(args.positionals.empty() ? "the results file is missing" : "one results file at a time");
  const auto written = report::write_report(args.positionals[0], args.value("--out"), args.value("--title"));
  for (const auto& w : written.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& f : written.files) std::cout << f.string() << "\n";
  return 0;
}

const RegisterCommand reg{
    {.name = "report",
     .summary = "tables and plots (Markdown, CSV, SVG, HTML) from a results file",
     .positionals = "RESULTS.jsonl",
     .options = {{"--out", "DIR", "output folder (default: next to the results, <stem>-report/)"},
                 {"--title", "T", "report title (default: \"<model> on <data>: bit-flip campaign\")"}},
     .notes = "RESULTS.jsonl is a campaign's results file (one trial record per line). Writes summary.md, "
              "summary.csv, top1_vs_ber_<format>.svg and a self-contained report.html.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
