#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "report/svg_plot.hpp"
#include "report/text_format.hpp"
#include "xml_check.hpp"

using namespace flipguard;
using flipguard::test::count_of;

namespace {

report::LinePlot sample_plot() {
  report::LinePlot p;
  p.title = "Top-1 <vs> BER & more";
  p.x_label = "bit-error rate";
  p.y_label = "Top-1 (%)";
  p.log_x = true;
  p.series.push_back({"none", {1e-7, 1e-6, 1e-5}, {90, 80, 40}, {89, 77, 35}, {91, 83, 45}});
  // NaN band at the last point (a single trial) and a gap in y.
  p.series.push_back(
      {"scale+ecc72", {1e-7, 1e-6, 1e-5, 1e-4}, {91, NAN, 88, 70}, {90, 89, 87, NAN}, {92, 91, 89, NAN}});
  p.references.push_back({"none clean", 91.5, 0});
  return p;
}

}  // namespace

TEST(TextFormat, BerAndUndefinedIntervals) {
  EXPECT_EQ(report::format_ber(1e-6), "1e-6");
  EXPECT_EQ(report::format_ber(2.5e-5), "2.5e-5");
  EXPECT_EQ(report::format_ber(1e-10), "1e-10");
  EXPECT_EQ(report::format_ber(0.01), "0.01");
  EXPECT_EQ(report::format_ber(1e-4), "1e-4");
  EXPECT_EQ(report::format_ber(1e-3), "1e-3");
  EXPECT_EQ(report::format_ber(0), "0");
  EXPECT_EQ(report::format_mean_ci({1, 91.234, NAN, NAN, NAN, NAN}), "91.23 [n/a] (1)");
  EXPECT_EQ(report::format_mean_ci({8, 1.5, 2, 1, -0.25, 3.126}), "1.50 [-0.25, 3.13] (8)");
  EXPECT_EQ(report::format_mean_ci({8, 1.5, 2, 1, -0.25, 3.126}, true), "+1.50 [-0.25, +3.13] (8)");
  EXPECT_EQ(report::escape_xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(report::csv_field("a,b\"c"), "\"a,b\"\"c\"");
  EXPECT_EQ(report::csv_field("plain"), "plain");
}

TEST(XmlCheck, CatchesMalformedDocuments) {
  EXPECT_EQ(test::xml_problem("<a><b x=\"1\"/>t &amp; u</a>"), "");
  EXPECT_NE(test::xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(test::xml_problem("<a x=1></a>"), "");
  EXPECT_NE(test::xml_problem("<a>x & y</a>"), "");
  EXPECT_NE(test::xml_problem("<a>"), "");
  EXPECT_NE(test::xml_problem("<a></a><b></b>"), "");
}

TEST(SvgPlot, IsWellFormedWithOnePathPerSeriesBandsTicksAndLegend) {
  const auto p = sample_plot();
  const std::string svg = report::render_svg(p, true);
  EXPECT_EQ(test::xml_problem(svg), "") << svg;
  EXPECT_EQ(test::outside_viewbox(svg), "");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(count_of(svg, "class=\"series\""), 2u);
  // Bands: one run of 3 for "none"; the second series' points with an interval (0 and 2) are separated by
  // the gap in y, so they get error bars only.
  EXPECT_EQ(count_of(svg, "class=\"band\""), 1u);
  EXPECT_EQ(count_of(svg, "class=\"interval\""), 5u);  // 3 + 2 error bars
  EXPECT_EQ(count_of(svg, "class=\"reference\""), 1u);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(count_of(svg, "class=\"marker\""), 6u);  // the NaN y gets none
  // The gap splits the second line into two sub-paths.
  const auto second = svg.find("class=\"series\" data-series=\"scale+ecc72\" d=\"");
  ASSERT_NE(second, std::string::npos);
  const auto d_start = svg.find(" d=\"", second) + 4;
  const std::string d = svg.substr(d_start, svg.find('"', d_start) - d_start);
  EXPECT_EQ(count_of(d, "M"), 2u) << d;
  for (const char* tick : {">1e-7<", ">1e-6<", ">1e-5<", ">1e-4<"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_NE(svg.find("Top-1 &lt;vs&gt; BER &amp; more"), std::string::npos);  // escaped title
  EXPECT_NE(svg.find(">bit-error rate<"), std::string::npos);
  EXPECT_NE(svg.find(">scale+ecc72<"), std::string::npos);  // legend
  const std::string inline_svg = report::render_svg(p, false);
  EXPECT_EQ(test::xml_problem(inline_svg), "");
  EXPECT_EQ(inline_svg.find("http"), std::string::npos);
}

namespace {

// The value of attribute `name` in the first element after `from` that has it.
std::string attribute_after(const std::string& svg, std::size_t from, const std::string& name) {
  const auto p = svg.find(" " + name + "=\"", from);
  if (p == std::string::npos) return "<none>";
  const auto start = p + name.size() + 3;
  return svg.substr(start, svg.find('"', start) - start);
}

std::vector<std::size_t> positions(const std::string& s, const std::string& what) {
  std::vector<std::size_t> out;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) out.push_back(p);
  return out;
}

// Accuracy-like series: four protections, the last two identical in every point.
report::LinePlot four_series(bool with_anchor) {
  report::LinePlot p;
  p.title = "identical series";
  p.log_x = true;
  p.y_min = 0;
  p.y_max = 100;
  const std::vector<double> x{1e-6, 1e-5, 1e-4};
  p.series.push_back({"a", x, {90, 70, 20}, {88, 65, 10}, {92, 75, 30}});
  p.series.push_back({"b", x, {91, 85, 60}, {90, 80, 50}, {92, 90, 70}});
  p.series.push_back({"c", x, {91, 90, 89}, {90, 89, 86}, {92, 91, 92}});
  p.series.push_back({"d", x, {91, 90, 89}, {90, 89, 86}, {92, 91, 92}});
  if (with_anchor)
    for (auto& s : p.series) s.anchor_y = 91, s.anchor_lo = 89.5, s.anchor_hi = 92.5;
  return p;
}

}  // namespace

TEST(SvgPlot, EachSeriesHasItsOwnDashPatternAndMarkerShape) {
  const std::string svg = report::render_svg(four_series(false), true);
  std::set<std::string> dashes, shapes;
  for (auto p : positions(svg, "class=\"series\"")) {
    const auto tag_end = svg.find('>', p);
    const auto dash = svg.find("stroke-dasharray=\"", p);
    dashes.insert(dash < tag_end ? attribute_after(svg, p, "stroke-dasharray") : "solid");
  }
  EXPECT_EQ(dashes.size(), 4u) << "two series share a line style";
  for (auto p : positions(svg, "class=\"marker\"")) {
    const auto start = svg.rfind('<', p);
    // The element name plus, for paths, its commands: circle, square (MhvhZ), triangle (MLLZ), diamond.
    const std::string tag = svg.substr(start, p - start);
    std::string key = tag.substr(0, tag.find(' '));
    if (key == "<path")
      for (char c : tag.substr(tag.find(" d=\"")))
        if (std::isalpha(static_cast<unsigned char>(c)) && c != 'd') key += c;
    shapes.insert(key);
  }
  EXPECT_EQ(shapes.size(), 4u) << "two series share a marker shape";
  // The legend names every series with its line style.
  for (const char* name : {">a<", ">b<", ">c<", ">d<"}) EXPECT_NE(svg.find(name), std::string::npos) << name;
  EXPECT_EQ(count_of(svg, "class=\"legend-line\""), 4u);
}

TEST(SvgPlot, IdenticalSeriesAreDrawnSideBySideNotOnTopOfEachOther) {
  const std::string svg = report::render_svg(four_series(true), true);
  // Markers in series order, three per series; series c and d have the same values.
  std::vector<double> cx, cy;
  for (auto p : positions(svg, "class=\"marker\"")) {
    const auto start = svg.rfind('<', p);
    const std::string tag = svg.substr(start, p - start);
    double x = 0, y = 0;
    if (tag.rfind("<circle", 0) == 0) {
      x = std::stod(attribute_after(tag, 0, "cx")), y = std::stod(attribute_after(tag, 0, "cy"));
    } else {
      // The path starts at a corner or tip: its x/y are within a marker's size of the centre.
      std::sscanf(tag.c_str() + tag.find(" d=\"M") + 5, "%lf %lf", &x, &y);
    }
    cx.push_back(x), cy.push_back(y);
  }
  ASSERT_EQ(cx.size(), 12u);
  for (int i = 0; i < 3; ++i) {
    const double gap = std::fabs(cx[6 + i] - cx[9 + i]);
    EXPECT_GT(gap, 4) << "coincident points of c and d at x index " << i << " overlap";
    EXPECT_LT(gap, 20) << "dodged too far to read as the same BER";
  }
  EXPECT_EQ(count_of(svg, "class=\"anchor-marker\""), 4u);
  EXPECT_EQ(test::outside_viewbox(svg), "");
}

TEST(SvgPlot, AccuracyAxisStaysWithinZeroToHundred) {
  auto p = four_series(true);
  p.series[0].lo = {-15, -20, -30};  // intervals beyond the possible range
  p.series[1].hi = {104, 110, 120};
  const std::string svg = report::render_svg(p, true);
  std::vector<double> ticks;
  for (auto pos : positions(svg, "class=\"y-tick\""))
    ticks.push_back(std::stod(svg.substr(svg.find('>', pos) + 1)));
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_EQ(*std::min_element(ticks.begin(), ticks.end()), 0);
  EXPECT_EQ(*std::max_element(ticks.begin(), ticks.end()), 100);
  EXPECT_EQ(test::outside_viewbox(svg), "");
  // A narrow range zooms in, still within [0, 100].
  report::LinePlot calm;
  calm.log_x = true, calm.y_min = 0, calm.y_max = 100;
  calm.series.push_back({"s", {1e-6, 1e-5}, {97, 99}, {95, 98}, {98.5, 100}});
  const std::string zoomed = report::render_svg(calm, true);
  ticks.clear();
  for (auto pos : positions(zoomed, "class=\"y-tick\""))
    ticks.push_back(std::stod(zoomed.substr(zoomed.find('>', pos) + 1)));
  EXPECT_GE(*std::min_element(ticks.begin(), ticks.end()), 90);
  EXPECT_EQ(*std::max_element(ticks.begin(), ticks.end()), 100);
}

TEST(SvgPlot, TheWidthFollowsTheBerRangeWithoutLargeEmptyAreas) {
  report::LinePlot one;
  one.title = "t";
  one.log_x = true;
  one.series.push_back({"s", {1e-7}, {30}, {28}, {32}});
  const std::string narrow = report::render_svg(one, true);
  report::LinePlot wide = one;
  wide.series[0] = {"s", {1e-9, 1e-7, 1e-5, 1e-3}, {90, 80, 50, 10}, {}, {}};
  const std::string broad = report::render_svg(wide, true);
  const double w1 = std::stod(attribute_after(narrow, 0, "width")),
               w2 = std::stod(attribute_after(broad, 0, "width"));
  EXPECT_LT(w1, 500) << "one BER in a wide, mostly empty frame";
  EXPECT_GT(w2, w1 + 300);
  // The x axis spans the BERs: the outermost markers are near the frame's ends, not in its middle.
  std::vector<double> cx;
  for (auto p : positions(broad, "class=\"marker\""))
    cx.push_back(std::stod(attribute_after(broad, broad.rfind('<', p), "cx")));
  ASSERT_EQ(cx.size(), 4u);
  EXPECT_LT(cx.front(), 0.25 * w2);
  EXPECT_GT(cx.back(), 0.85 * w2);
}
TEST(SvgPlot, PointsLandWhereTheAxesSayTheyShould) {
  // Markers of y = 0 and y = 100 on a decade grid: their pixel positions must be ordered like the data.
  report::LinePlot p;
  p.log_x = true;
  p.series.push_back({"s", {1e-6, 1e-5, 1e-4}, {0, 50, 100}, {}, {}});
  const std::string svg = report::render_svg(p, true);
  std::vector<double> cx, cy;
  for (auto pos = svg.find("class=\"marker\""); pos != std::string::npos;
       pos = svg.find("class=\"marker\"", pos + 1)) {
    const auto tag = svg.rfind("<circle", pos);  // the marker's own element (series 0: circles)
    cx.push_back(std::stod(svg.substr(svg.find("cx=\"", tag) + 4)));
    cy.push_back(std::stod(svg.substr(svg.find("cy=\"", tag) + 4)));
  }
  ASSERT_EQ(cx.size(), 3u);
  EXPECT_NEAR(cx[1] - cx[0], cx[2] - cx[1], 0.02);  // equal decades, equal distances on a log axis
  EXPECT_GT(cx[1], cx[0]);
  EXPECT_NEAR(cy[0] - cy[1], cy[1] - cy[2], 0.02);  // linear y
  EXPECT_GT(cy[0], cy[1]);                          // larger y is higher up (smaller pixel y)
  EXPECT_EQ(count_of(svg, "class=\"band\""), 0u);
}

TEST(SvgPlot, RejectsBadSeries) {
  report::LinePlot p;
  p.log_x = true;
  p.series.push_back({"zero", {0, 1e-6}, {1, 2}, {}, {}});
  EXPECT_THROW(report::render_svg(p, true), std::invalid_argument);
  p.series[0] = {"sizes", {1e-6, 1e-5}, {1}, {}, {}};
  EXPECT_THROW(report::render_svg(p, true), std::invalid_argument);
  p.series[0] = {"band", {1e-6, 1e-5}, {1, 2}, {0}, {2}};
  EXPECT_THROW(report::render_svg(p, true), std::invalid_argument);
  p.series[0] = {"empty", {}, {}, {}, {}};
  EXPECT_THROW(report::render_svg(p, true), std::invalid_argument);
}
