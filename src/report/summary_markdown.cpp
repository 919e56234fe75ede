#include "report/summary_markdown.hpp"

#include "report/report_tables.hpp"

namespace flipguard::report {

namespace {

std::string plot_alt_text(const std::string& file) {
  if (file.starts_with("top1_vs_ber")) return "Top-1 vs BER";
  if (file.starts_with("top5_vs_ber")) return "Top-5 vs BER";
  if (file.starts_with("sdc1_vs_ber")) return "SDC-1 vs BER";
  if (file.starts_with("perplexity_vs_ber")) return "perplexity vs BER";
  if (file.starts_with("trials_perplexity")) return "perplexity of each trial";
  if (file.find("_vs_ber") != std::string::npos) return file.substr(0, file.find("_vs_ber")) + " vs BER";
  return "Top-1 of each trial";
}

void append_plots(std::string& md, const std::map<std::string, std::vector<std::string>>& plot_files,
                  const std::string& format) {
  if (auto it = plot_files.find(format); it != plot_files.end()) {
    md += "\n";
    for (const auto& file : it->second)
      md += "![" + format + ": " + plot_alt_text(file) + "](" + file + ")\n";
  }
}

}  // namespace

std::string summary_markdown(const CampaignReport& rep, const std::string& title,
                             const std::map<std::string, std::vector<std::string>>& plot_files) {
  std::string md = "# " + title + "\n\n";
  for (const auto& [label, value] : campaign_facts(rep)) md += "- **" + label + "**: " + value + "\n";
  md += "\n" + interval_note(rep) + "\n";
  for (const auto& format : rep.formats) {
    md += "\n## Format " + format + "\n";
    if (rep.language_model) {
      for (const auto& [heading, table] : lm_tables(rep, format))
        if (!table.rows.empty()) md += "\n### " + heading + "\n\n" + to_markdown(table);
      append_plots(md, plot_files, format);
      continue;
    }
    if (rep.labelled) md += "\n### Top-1 accuracy (%)\n\n" + to_markdown(accuracy_table(rep, format));
    if (const Table sdc = sdc_table(rep, format); rep.has_sdc && !sdc.rows.empty())
      md += "\n### SDC-1: Top-1 changed against the fault-free model (% of images)\n\n" + to_markdown(sdc);
    md += "\n### Configurations\n\n" + to_markdown(configuration_table(rep, format));
    const Table paired = paired_table(rep, format);
    if (!paired.rows.empty())
      md +=
          "\n### Top-1 difference against the first protection (percentage points)\n\n" + to_markdown(paired);
    append_plots(md, plot_files, format);
  }
  const Table nf = non_finite_table(rep);
  if (!nf.rows.empty()) md += "\n## Trials with NaN/Inf logits\n\n" + to_markdown(nf);
  const Table critical = critical_bit_table(rep);
  if (!critical.rows.empty())
    md +=
        "\n## Trials split by faults on the critical bit (top exponent bit of floats, sign of fixed "
        "point)\n\n" +
        to_markdown(critical);
  if (const Table le = logit_error_table(rep); !le.rows.empty())
    md +=
        "\n## Silent data corruption and logit error (against each configuration's fault-free outputs)\n\n" +
        to_markdown(le);
  md += "\n## Faults per trial\n\n" + to_markdown(fault_table(rep));
  md += "\n## Trials per cell\n\n" + to_markdown(trials_table(rep));
  if (rep.language_model) return md;
  md +=
      "\nEarly-stopped trials count with the Top-1 of the images they saw; having stopped on a low stretch,\n"
      "they read slightly low (a small pessimistic bias, in cells that are below the floor anyway).\n";
  return md;
}

}  // namespace flipguard::report
