#include <gtest/gtest.h>

#include <cmath>

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
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(count_of(svg, "class=\"series\""), 2u);
  // Bands: one run of 3 for "none"; for the second series, points 0-2 have a band and point 3 does not.
  EXPECT_EQ(count_of(svg, "class=\"band\""), 2u);
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

TEST(SvgPlot, PointsLandWhereTheAxesSayTheyShould) {
  // Markers of y = 0 and y = 100 on a decade grid: their pixel positions must be ordered like the data.
  report::LinePlot p;
  p.log_x = true;
  p.series.push_back({"s", {1e-6, 1e-5, 1e-4}, {0, 50, 100}, {}, {}});
  const std::string svg = report::render_svg(p, true);
  std::vector<double> cx, cy;
  for (auto pos = svg.find("class=\"marker\""); pos != std::string::npos;
       pos = svg.find("class=\"marker\"", pos + 1)) {
    cx.push_back(std::stod(svg.substr(svg.find("cx=\"", pos) + 4)));
    cy.push_back(std::stod(svg.substr(svg.find("cy=\"", pos) + 4)));
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
