// A heatmap written as hand-made SVG: rows (e.g. layers) against blocks of columns (e.g. one block per
// configuration, a column per BER), each cell filled on a perceptually uniform colour scale (viridis: dark
// is low, yellow high, readable in grey and with the common colour-vision deficiencies) and labelled with its
// value, and a colour bar. Cells without a value are left white with a dash.
#pragma once

#include <string>
#include <vector>

namespace flipguard::report {

struct HeatmapBlock {
  std::string title;                           // above its columns
  std::vector<std::string> columns;            // column labels
  std::vector<std::vector<double>> values;     // [row][column]; NaN: no value
  std::vector<std::vector<std::string>> tips;  // the same shape (tooltips), or empty
};

struct Heatmap {
  std::string title, row_label, column_label, scale_label;
  std::vector<std::string> rows;
  std::vector<HeatmapBlock> blocks;
  double lo = 0, hi = 100;  // the colour scale's ends
};

// The viridis colour at t in [0, 1] (clamped), as "#rrggbb".
std::string viridis(double t);

// One cell per row x column of every block (class "heat-cell"). Throws std::invalid_argument when a block's
// values do not have one row per row label and one entry per column.
std::string render_heatmap_svg(const Heatmap& map, bool standalone);

}  // namespace flipguard::report
