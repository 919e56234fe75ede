// A strip plot of individual values, written as hand-made SVG: panels side by side (wrapping into rows),
// each with categories along x; every value is one dot at its exact y, spread sideways within its category
// like a swarm (dots at about the same height are laid out from the centre outwards, spaced so the widest
// row of the category fits), so the width of the swarm at a height shows how many values lie there: a
// bimodal cell shows two blobs. Dots belong to groups, each with its colour and shape, and each category
// can show its mean with an interval beside the dots.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "report/series_style.hpp"

namespace flipguard::report {

struct StripGroup {
  std::string name, color;
  MarkerShape shape = MarkerShape::circle;
};

struct StripPoint {
  double y = 0;
  int group = 0;  // index into StripPlot::groups
};

struct StripCategory {
  std::string label, sublabel;  // under the axis, e.g. "1e-5" and "n = 300"
  std::vector<StripPoint> points;
  double mean = std::numeric_limits<double>::quiet_NaN();  // NaN: no summary drawn
  double lo = std::numeric_limits<double>::quiet_NaN(), hi = std::numeric_limits<double>::quiet_NaN();
  std::string tip;  // tooltip of the category's dots
};

struct StripPanel {
  std::string title;
  std::vector<StripCategory> categories;
};

struct StripPlot {
  std::string title, y_label;
  std::vector<StripGroup> groups;
  std::vector<StripPanel> panels;
  std::string summary_legend = "mean and 95% interval";
  double y_min = 0, y_max = 100;  // the y axis; values beyond are drawn at the edge
  int max_width = 1060;           // panels wrap into rows to stay within this width
};

// One dot per point (class "trial"), one summary per category with a mean (class "cell-summary").
// Throws std::invalid_argument for a point of an unknown group or a plot without categories.
std::string render_strip_svg(const StripPlot& plot, bool standalone);

}  // namespace flipguard::report
