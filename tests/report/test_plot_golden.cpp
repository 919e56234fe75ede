// Byte-for-byte pins of the hand-made SVG plots: each plot below exercises every element its renderer draws
// (bands, error bars, anchors, references, dodged series, wrapped legends; strip panels in two rows, several
// lanes, summaries with and without an interval), and its output's FNV-1a hash was taken from the renderer
// as it stood before it was split into named steps. A change to the drawing changes the hash: update it only
// for a change of the picture that is meant.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hashing/fnv1a.hpp"
#include "report/strip_plot.hpp"
#include "report/svg_plot.hpp"

using namespace flipguard;

namespace {

std::string hash_of(const std::string& text) {
  return hashing::hex16(hashing::fnv1a(hashing::kFnvOffset, text.data(), text.size()));
}

report::LinePlot log_plot_with_everything() {
  report::LinePlot p;
  p.title = "Top-1 <vs> BER & a title long enough to widen the plot beyond its data area";
  p.x_label = "bit-error rate";
  p.y_label = "Top-1 (%)";
  p.log_x = true;
  p.y_min = 0;
  p.y_max = 100;
  p.anchor_label = "BER 0";
  p.band_legend = "95% interval";
  p.reference_legend = "clean Top-1";
  p.series.push_back({"none", {1e-7, 1e-6, 1e-5}, {90, 80, 40}, {89, 77, 35}, {91, 83, 45}, 91, 90.2, 91.7});
  p.series.push_back({"scale+ecc72",
                      {1e-7, 1e-6, 1e-5, 1e-4},
                      {91, NAN, 88, 70},
                      {90, 89, 87, NAN},
                      {92, 91, 89, NAN},
                      92,
                      NAN,
                      NAN});
  p.series.push_back({"scale", {1e-7, 1e-6, 1e-5, 1e-4}, {90, 80, 40, 101}, {}, {}});
  p.series.push_back({"clip", {1e-6, 1e-4}, {85, 20}, {84, 10}, {86, 30}});
  p.references.push_back({"none clean", 91.5, 0});
  p.references.push_back({"shared", 50, -1});
  return p;
}

report::LinePlot linear_plot() {
  report::LinePlot p;
  p.title = "accuracy vs t";
  p.x_label = "t";
  p.y_label = "Top-1 (%)";
  p.width = 500;
  p.plot_height = 240;
  p.series.push_back({"q2.5", {0.25, 0.5, 1, 2}, {10, 60, 85, 84}, {8, 55, 84, 83}, {12, 65, 86, 85}});
  return p;
}

report::StripPlot strip_plot_with_everything() {
  report::StripPlot p;
  p.title = "Top-1 of each trial & <its> cell";
  p.y_label = "Top-1 (%)";
  p.groups = {{"no critical fault", "#1f77b4", report::MarkerShape::circle},
              {"fault on the sign bit", "#d62728", report::MarkerShape::square},
              {"unused group", "#2ca02c", report::MarkerShape::diamond}};
  p.max_width = 700;
  for (int panel = 0; panel < 3; ++panel) {
    report::StripPanel sp;
    sp.title = "panel " + std::to_string(panel);
    for (int c = 0; c < (panel == 1 ? 4 : 3); ++c) {
      report::StripCategory cat;
      cat.label = "1e-" + std::to_string(c + 4);
      if (c != 1) cat.sublabel = "n = " + std::to_string(10 + c);
      for (int i = 0; i < 12 + 3 * c; ++i) {
        const double y = c == 2 ? (i % 2 ? 5.0 + 0.3 * i : 88.0 + 0.1 * i) : 60.0 + 2.0 * (i % 5) + 0.01 * i;
        cat.points.push_back({y, (i + panel) % 3 == 0 ? 1 : 0});
      }
      if (c != 3) cat.mean = 55 + c;
      if (c == 0) cat.lo = 50, cat.hi = 60;
      if (c != 1) cat.tip = "cell " + std::to_string(panel) + "/" + std::to_string(c);
      sp.categories.push_back(cat);
    }
    p.panels.push_back(sp);
  }
  return p;
}

}  // namespace

TEST(PlotGolden, LinePlotsRenderByteForByteAsPinned) {
  EXPECT_EQ(hash_of(report::render_svg(log_plot_with_everything(), true)), "cdedbf4932e1c8ac");
  EXPECT_EQ(hash_of(report::render_svg(log_plot_with_everything(), false)), "e41da5f286cd31ed");
  EXPECT_EQ(hash_of(report::render_svg(linear_plot(), true)), "d9c42f516189abd9");
}

TEST(PlotGolden, StripPlotsRenderByteForByteAsPinned) {
  EXPECT_EQ(hash_of(report::render_strip_svg(strip_plot_with_everything(), true)), "20f03481b21d029d");
  report::StripPlot one_panel = strip_plot_with_everything();
  one_panel.panels.resize(1);
  EXPECT_EQ(hash_of(report::render_strip_svg(one_panel, false)), "f8ba834b3d745c11");
}
