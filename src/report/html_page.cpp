#include "report/html_page.hpp"

#include "report/report_tables.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 15px; color: #1d1d1d;
       max-width: 1100px; margin: 24px auto; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 24px; margin-bottom: 8px; }
h2 { font-size: 20px; margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
dl.facts { display: grid; grid-template-columns: repeat(3, max-content minmax(0, 1fr)); gap: 2px 14px;
           margin: 8px 0 12px; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; font-family: monospace; word-break: break-all; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #c8c8c8; padding: 4px 10px; text-align: right; white-space: nowrap; }
thead th { background: #eef2f6; text-align: center; }
tbody th { text-align: left; font-weight: normal; background: #f8f8f8; }
tbody tr:nth-child(even) td { background: #fbfbfb; }
figure { display: inline-block; vertical-align: top; margin: 8px 14px 16px 0; max-width: 100%; }
svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
p.note { color: #555; font-size: 13px; }
)";

}  // namespace

std::string html_page_start(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         escape_xml(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

std::string html_page_end() {
  return "</body>\n</html>\n";
}

std::string report_html(const CampaignReport& rep, const std::string& title,
                        const std::map<std::string, std::vector<std::string>>& figures) {
  std::string h = html_page_start(title);
  h += "<h1>" + escape_xml(title) + "</h1>\n<dl class=\"facts\">\n";
  for (const auto& [label, value] : campaign_facts(rep))
    h += "<dt>" + escape_xml(label) + "</dt><dd>" + escape_xml(value) + "</dd>\n";
  h += "</dl>\n<p class=\"note\">" + escape_xml(interval_note(rep)) + "</p>\n";
  for (const auto& format : rep.formats) {
    h += "<h2>Format " + escape_xml(format) + "</h2>\n";
    if (auto it = figures.find(format); it != figures.end())
      for (const auto& svg : it->second) h += "<figure>\n" + svg + "</figure>\n";
    if (rep.language_model) {
      for (const auto& [heading, table] : lm_tables(rep, format))
        if (!table.rows.empty()) h += "<h3>" + escape_xml(heading) + "</h3>\n" + to_html(table);
      continue;
    }
    if (rep.labelled) h += "<h3>Top-1 accuracy (%)</h3>\n" + to_html(accuracy_table(rep, format));
    if (const Table sdc = sdc_table(rep, format); rep.has_sdc && !sdc.rows.empty())
      h += "<h3>SDC-1: Top-1 changed against the fault-free model (% of images)</h3>\n" + to_html(sdc);
    h += "<h3>Configurations</h3>\n" + to_html(configuration_table(rep, format));
    const Table paired = paired_table(rep, format);
    if (!paired.rows.empty())
      h += "<h3>Top-1 difference against the first protection (percentage points)</h3>\n" + to_html(paired);
  }
  const Table nf = non_finite_table(rep);
  if (!nf.rows.empty()) h += "<h2>Trials with NaN/Inf logits</h2>\n" + to_html(nf);
  const Table critical = critical_bit_table(rep);
  if (!critical.rows.empty())
    h += "<h2>Trials split by faults on the critical bit (top exponent bit of floats, sign of fixed "
         "point)</h2>\n" +
         to_html(critical);
  if (const Table le = logit_error_table(rep); !le.rows.empty())
    h += "<h2>Silent data corruption and logit error (against each configuration's fault-free "
         "outputs)</h2>\n" +
         to_html(le);
  h += "<h2>Faults per trial</h2>\n" + to_html(fault_table(rep));
  h += "<h2>Trials per cell</h2>\n" + to_html(trials_table(rep)) +
       "<p class=\"note\">Early-stopped trials count with the Top-1 of the images they saw: slightly low, "
       "since they stopped on a low stretch.</p>\n";
  return h + html_page_end();
}

}  // namespace flipguard::report
