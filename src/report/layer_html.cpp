#include "report/layer_html.hpp"

#include "report/html_page.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

std::string layer_report_html(const LayerReport& rep, const std::string& title,
                              const std::string& heatmap_svg) {
  std::string h = html_page_start(title);
  h += "<h1>" + escape_xml(title) + "</h1>\n<dl class=\"facts\">\n";
  for (const auto& [label, value] : layer_facts(rep))
    h += "<dt>" + escape_xml(label) + "</dt><dd>" + escape_xml(value) + "</dd>\n";
  h += "</dl>\n<p class=\"note\">Each row faults " + escape_xml(layer_unit(rep)) +
       " only. Cells: mean % [95% interval] (trials); the interval method per cell is in layers.csv and in "
       "each heatmap cell's tooltip.</p>\n";
  h += "<figure>\n" + heatmap_svg + "</figure>\n";
  for (const auto& [format, protection] : rep.configurations) {
    h += "<h2>" + escape_xml(format + ", " + protection) + "</h2>\n";
    for (const auto& [heading, metric] : layer_metrics(rep))
      h += "<h3>" + escape_xml(heading) + "</h3>\n" + to_html(layer_table(rep, format, protection, metric));
  }
  return h + html_page_end();
}

}  // namespace flipguard::report
