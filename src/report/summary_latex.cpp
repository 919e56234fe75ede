#include "report/summary_latex.hpp"

#include "report/latex_table.hpp"
#include "report/report_tables.hpp"

namespace flipguard::report {

namespace {

// A LaTeX comment, one "% " per line of `text`.
std::string comment(const std::string& text) {
  std::string out = "% ";
  for (char c : text) out += c == '\n' ? std::string("\n% ") : std::string(1, c);
  return out + "\n";
}

std::string preamble(const std::string& title) {
  return comment(title +
                 "\nWritten by flipguard report --latex from the results file alone; needs "
                 "\\usepackage{booktabs}.");
}

}  // namespace

std::string summary_latex(const CampaignReport& rep, const std::string& title) {
  std::string o = preamble(title);
  const std::string who = rep.model + " on " + rep.data;
  for (const auto& format : rep.formats) {
    o += "\n" + to_latex(accuracy_table(rep, format),
                         who + ", " + format + ": Top-1 accuracy (%), mean [95% interval] (trials). " +
                             interval_note(rep),
                         "tab:top1-" + format);
    const Table paired = paired_table(rep, format);
    if (!paired.rows.empty())
      o += "\n" + to_latex(paired,
                           who + ", " + format +
                               ": Top-1 difference against the first protection (percentage points), mean "
                               "[95% interval] (trials); paired over the same trials, or for design cells "
                               "from each cell's 97.5% sequence (union bound).",
                           "tab:paired-" + format);
  }
  return o;
}

std::string layer_latex(const LayerReport& rep, const std::string& title) {
  std::string o = preamble(title);
  for (const auto& [format, protection] : rep.configurations)
    for (const auto& [heading, metric] : layer_metrics(rep))
      o += "\n" + to_latex(layer_table(rep, format, protection, metric),
                           rep.model + " on " + rep.data + ", " + format + ", " + protection + ": " +
                               heading + " with one layer faulted, mean [95% interval] (trials).",
                           "tab:layers-" + std::string(metric.id()) + "-" + format + "-" + protection);
  return o;
}

}  // namespace flipguard::report
