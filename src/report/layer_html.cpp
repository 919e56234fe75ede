#include "report/layer_html.hpp"

#include "report/html_page.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

std::string layer_report_html(const LayerReport& rep, const std::string& title,
                              const std::string& heatmap_svg) {
  std::string h = html_page_start(title);
  h += "<h1>" + escape_xml(title) + "</h1>\n<dl class=\"facts\">\n";
  const std::pair<const char*, std::string> facts[] = {
      {"model", rep.model}, {"data", rep.data}, {"layers", std::to_string(rep.layers.size())}};
  for (const auto& [label, value] : facts)
    h += "<dt>" + std::string(label) + "</dt><dd>" + escape_xml(value) + "</dd>\n";
  h += "</dl>\n<p class=\"note\">Each row faults one stored tensor (layer) only. Cells: Top-1 % mean [95% "
       "interval] (trials); the interval method per cell is in layers.csv and in each heatmap cell's "
       "tooltip.</p>\n";
  h += "<figure>\n" + heatmap_svg + "</figure>\n";
  for (const auto& [format, protection] : rep.configurations)
    h += "<h2>" + escape_xml(format + ", " + protection) + "</h2>\n" +
         to_html(layer_table(rep, format, protection));
  return h + html_page_end();
}

}  // namespace flipguard::report
