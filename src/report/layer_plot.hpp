// The layer campaign's figure: Top-1 per layer (rows) x BER (columns, clean first), one block of columns
// per (format, protection), as a heatmap with the mean in each cell and its interval in the tooltip.
#pragma once

#include "report/heatmap.hpp"
#include "report/layer_report.hpp"

namespace flipguard::report {

Heatmap layer_heatmap(const LayerReport& rep);

inline constexpr const char* kLayerPlotFile = "layers_top1.svg";

}  // namespace flipguard::report
