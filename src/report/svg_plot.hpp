// A generic line plot written as hand-made SVG: series of (x, y) points with an optional 95% interval per
// point (drawn as an error bar and an outlined band), horizontal reference lines, an optional "anchor" slot
// left of the x axis for a point that has no place on it (the clean accuracy at BER 0 on a log axis), axes
// with ticks (log10 or linear x) and a legend below the plot. No plotting library: the output is plain,
// valid XML that browsers and viewers render alike.
//
// Series stay distinguishable when they coincide: each has its own colour, dash pattern and marker shape
// (series_style.hpp), and points of different series at the same x are drawn side by side, a few pixels
// apart (a "dodge"), so an identical series never hides another.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "report/series_style.hpp"

namespace flipguard::report {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::vector<double> lo, hi;  // interval per point (empty: none); non-finite entries: none at that point
  // The series' point in the anchor slot (NaN: none), with its interval.
  double anchor_y = std::numeric_limits<double>::quiet_NaN();
  double anchor_lo = std::numeric_limits<double>::quiet_NaN();
  double anchor_hi = std::numeric_limits<double>::quiet_NaN();
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
  std::string band_legend = "band";            // legend entry for the intervals
  std::string anchor_label = "anchor";         // tick label of the anchor slot (shown if a series has one)
  // The y axis never reaches beyond these (accuracy: 0 and 100); values beyond are drawn at the edge.
  double y_min = -std::numeric_limits<double>::infinity();
  double y_max = std::numeric_limits<double>::infinity();
  int width = 0;          // total width in pixels; 0: from the x range (170 px per decade on a log axis)
  int plot_height = 330;  // the data area's height; the total height follows from the legend
};

// standalone: with the XML declaration and the SVG namespace, as a file; otherwise as an inline <svg>
// element for HTML (which needs neither). Throws std::invalid_argument on mismatched vector sizes, x <= 0
// on a log axis, or no finite point on the x axis at all.
std::string render_svg(const LinePlot& plot, bool standalone);

}  // namespace flipguard::report
