// A generic line plot written as hand-made SVG: series of (x, y) points with an optional shaded band
// [lo, hi] per point, horizontal dashed reference lines, axes with ticks (log10 or linear x), a title and
// a legend. No plotting library: the output is plain, valid XML that browsers and viewers render alike.
#pragma once

#include <string>
#include <vector>

namespace flipguard::report {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::vector<double> lo, hi;  // band per point (empty: no band); non-finite entries leave a gap
};

struct ReferenceLine {
  std::string name;  // shown as the line's tooltip
  double y = 0;
  int series = -1;  // colour of this series index; -1: grey
};

struct LinePlot {
  std::string title, x_label, y_label;
  bool log_x = false;
  std::vector<PlotSeries> series;
  std::vector<ReferenceLine> references;
  std::string reference_legend = "reference";  // legend entry for the dashed lines
  std::string band_legend = "band";            // legend entry for the shaded bands
  int width = 900, height = 480;
};

// The colour of series i (a colour-blind-friendly palette, cycled).
std::string series_color(std::size_t i);

// standalone: with the XML declaration and the SVG namespace, as a file; otherwise as an inline <svg>
// element for HTML (which needs neither). Throws std::invalid_argument on mismatched vector sizes, x <= 0
// on a log axis, or no finite point at all.
std::string render_svg(const LinePlot& plot, bool standalone);

}  // namespace flipguard::report
