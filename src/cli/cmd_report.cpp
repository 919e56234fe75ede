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
  const auto written = report::write_report(args.positionals[0], args.value("--out"), args.value("--title"),
                                            args.has("--latex"));
  for (const auto& w : written.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& f : written.files) std::cout << f.string() << "\n";
  return 0;
}

const RegisterCommand reg{
    {.name = "report",
     .summary = "tables and plots (Markdown, CSV, SVG, HTML) from a results file",
     .positionals = "RESULTS.jsonl",
     .options = {{"--out", "DIR", "output folder (default: next to the results, <stem>-report/)"},
                 {"--title", "T", "report title (default: \"<model> on <data>: bit-flip campaign\")"},
                 {"--latex", "",
                  "also write summary.tex: the Top-1 and paired-difference tables as LaTeX "
                  "(booktabs)"}},
     .notes = "RESULTS.jsonl is a campaign's results file (one trial record per line). Writes summary.md, "
              "summary.csv, per format top1_vs_ber_<format>.svg, top5_vs_ber_<format>.svg and "
              "trials_top1_<format>.svg (each trial's Top-1, marked by faults on the critical bit), and a "
              "self-contained report.html. A layer campaign's file gives layers.md, layers.csv, the heatmap "
              "layers_top1.svg and report.html (with --latex, layers.tex).",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
