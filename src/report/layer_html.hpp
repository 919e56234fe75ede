// report.html of a layer campaign: self-contained like the campaign's page (inline CSS and SVG, nothing
// external), with the per-layer heatmap and the per-layer tables of layers.md.
#pragma once

#include <string>

#include "report/layer_report.hpp"

namespace flipguard::report {

// heatmap_svg: the layer heatmap rendered for inlining (render_heatmap_svg(..., false)).
std::string layer_report_html(const LayerReport& rep, const std::string& title,
                              const std::string& heatmap_svg);

}  // namespace flipguard::report
