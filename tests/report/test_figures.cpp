// The report's distribution plot (one dot per trial, marked by faults on the critical bit) and the layer
// campaign's heatmap (one cell per layer x BER x configuration), checked on their SVG structure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/campaign_report.hpp"
#include "report/heatmap.hpp"
#include "report/layer_plot.hpp"
#include "report/report_writer.hpp"
#include "report/strip_plot.hpp"
#include "report/trials_plot.hpp"
#include "synthetic_results.hpp"
#include "xml_check.hpp"

using namespace flipguard;
using flipguard::test::count_of;

namespace {

// The y coordinates of the dots of each group, by the group's data-group name.
std::map<std::string, std::vector<double>> dot_heights(const std::string& svg) {
  std::map<std::string, std::vector<double>> out;
  for (auto g = svg.find("<g class=\"trials\""); g != std::string::npos;
       g = svg.find("<g class=\"trials\"", g + 1)) {
    const auto name_at = svg.find("data-group=\"", g) + 12;
    const std::string name = svg.substr(name_at, svg.find('"', name_at) - name_at);
    const auto end = svg.find("</g>", g);
    for (auto d = svg.find("class=\"trial\"", g); d < end; d = svg.find("class=\"trial\"", d + 1)) {
      const std::string tag = svg.substr(svg.rfind('<', d), d - svg.rfind('<', d));
      double y = 0;
      if (tag.rfind("<circle", 0) == 0)
        y = std::stod(tag.substr(tag.find("cy=\"") + 4));
      else  // triangles start at their tip, 1.15 half-sizes above the centre
        y = std::stod(tag.substr(tag.find(' ', tag.find(" d=\"M") + 5) + 1));
      out[name].push_back(y);
    }
  }
  return out;
}

// A cell of 20 trials that either survive (about 90 %, no critical fault) or collapse (about 0.1 %, a
// critical fault): what a float model near its collapse looks like.
std::vector<campaign::TrialRecord> bimodal_records() {
  auto records = test::Synthetic{}.records();
  for (auto& r : records) {
    if (r.ber == 0) continue;
    r.critical_words = 1'000'000;
    r.critical_faults = 0;
    if (r.format == "fp16" && r.protection == "none" && r.ber == 1e-4) {
      r.critical_faults = r.trial % 2 ? 2 : 0;
      r.top1 = r.critical_faults ? 2 + r.trial : 1800 + r.trial;
    }
  }
  for (int t = 5; t < 20; ++t) {  // 15 more trials in that cell, alternating as well
    auto r = records.front();
    r.format = "fp16", r.protection = "none", r.ber = 1e-4, r.trial = t, r.critical_words = 1'000'000;
    r.fault_model = "ber:0.0001";
    r.critical_faults = t % 2 ? 1 : 0;
    r.top1 = r.critical_faults ? 2 + t : 1800 + t;
    records.push_back(r);
  }
  return records;
}

}  // namespace

TEST(TrialsPlot, OneDotPerTrialInAPanelPerProtection) {
  const test::Synthetic syn;
  const auto rep = report::build_report(syn.records());
  const auto plot = report::trials_plot(rep, "q2.5");
  ASSERT_TRUE(plot.has_value());
  ASSERT_EQ(plot->panels.size(), 3u);
  EXPECT_EQ(plot->panels[0].title, "none");
  ASSERT_EQ(plot->panels[0].categories.size(), 4u);  // clean and three BERs
  EXPECT_EQ(plot->panels[0].categories[0].label, "clean");
  EXPECT_EQ(plot->panels[0].categories[1].sublabel, "n = 5");
  const std::string svg = report::render_strip_svg(*plot, true);
  EXPECT_EQ(test::xml_problem(svg), "");
  EXPECT_EQ(test::outside_viewbox(svg), "");
  // 3 protections x (1 clean + 3 BERs x 5 trials).
  EXPECT_EQ(count_of(svg, "class=\"trial\""), 3u * (1 + 3 * 5));
  EXPECT_EQ(count_of(svg, "class=\"cell-summary\""), 3u * 4);
  EXPECT_EQ(count_of(svg, "class=\"panel\""), 3u);
  // No record carries critical counts: every faulty dot is in the "not recorded" group.
  EXPECT_EQ(dot_heights(svg)["critical-bit faults not recorded"].size(), 3u * 3 * 5);
  EXPECT_EQ(dot_heights(svg)["fault-free run (BER 0)"].size(), 3u);  // the clean cells have their own group
}

TEST(TrialsPlot, BimodalCellShowsTwoClustersSplitByTheCriticalBit) {
  const auto rep = report::build_report(bimodal_records());
  const auto plot = report::trials_plot(rep, "fp16");
  ASSERT_TRUE(plot.has_value());
  // Only the bimodal cell in its own plot, so every dot below is one of its 20 trials (plus clean ones).
  report::StripPlot one = *plot;
  one.panels.resize(1);
  one.panels[0].categories = {plot->panels[0].categories.back()};
  ASSERT_EQ(one.panels[0].categories[0].label, "1e-4");
  const std::string svg = report::render_strip_svg(one, true);
  const auto groups = dot_heights(svg);
  const auto& hit = groups.at("fault on the top exponent bit (critical)");
  const auto& none = groups.at("no fault on the top exponent bit");
  EXPECT_EQ(hit.size(), 10u);
  EXPECT_EQ(none.size(), 10u);
  EXPECT_EQ(groups.count("critical-bit faults not recorded"), 0u);
  // Survivors are drawn high (small pixel y), the collapsed trials low, nothing in between.
  EXPECT_LT(*std::max_element(none.begin(), none.end()) + 150, *std::min_element(hit.begin(), hit.end()));
  // The mean (about 45 %) sits between the clusters, with its interval.
  EXPECT_EQ(count_of(svg, "class=\"cell-summary\""), 1u);
  EXPECT_NE(svg.find("10 of 20 trials with a fault on the top exponent bit"), std::string::npos);
  // Fixed point formats name the sign bit.
  EXPECT_NE(report::render_strip_svg(*report::trials_plot(rep, "q2.5"), true).find("fault on the sign bit"),
            std::string::npos);
}

TEST(TrialsPlot, RejectsPointsOfUnknownGroups) {
  report::StripPlot p;
  report::StripCategory category;
  category.label = "1e-3";
  category.points = {{50, 3}};
  p.panels.push_back({"x", {category}});
  p.groups.push_back({"g", "#000000", report::MarkerShape::circle});
  EXPECT_THROW(report::render_strip_svg(p, true), std::invalid_argument);
  p.panels.clear();
  EXPECT_THROW(report::render_strip_svg(p, true), std::invalid_argument);
}

TEST(Heatmap, ViridisRunsFromDarkPurpleToYellow) {
  EXPECT_EQ(report::viridis(0), "#440154");
  EXPECT_EQ(report::viridis(1), "#fde725");
  EXPECT_EQ(report::viridis(-1), "#440154");  // clamped
  EXPECT_EQ(report::viridis(NAN), "#440154");
}

TEST(Heatmap, LayerCampaignHasOneCellPerLayerBerAndConfiguration) {
  const std::vector<std::string> layers{"conv1.weight", "layer1.0.conv1.weight", "linear.weight"};
  const auto records = test::layer_records(layers, {"none", "scale"}, {0, 1e-3, 0.01}, 3);
  const auto dir = test::fresh_dir("layers");
  test::write_text(dir / "layers.jsonl", test::to_jsonl(records));
  const auto out = report::write_report(dir / "layers.jsonl", {}, {}, true);
  for (const char* f : {"layers.md", "layers.csv", "layers_top1.svg", "report.html", "layers.tex"})
    EXPECT_TRUE(std::filesystem::exists(out.dir / f)) << f;
  const std::string svg = test::read_text(out.dir / "layers_top1.svg");
  EXPECT_EQ(test::xml_problem(svg), "");
  EXPECT_EQ(test::outside_viewbox(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"heat-cell\""), 3u * 3 * 2);
  EXPECT_EQ(count_of(svg, "class=\"heat-value\""), 3u * 3 * 2);
  EXPECT_EQ(count_of(svg, "class=\"row-label\""), 3u);
  EXPECT_EQ(count_of(svg, "class=\"block-title\""), 2u);
  for (const char* text : {">q2.5, none<", ">q2.5, scale<", ">clean<", ">1e-3<", ">0.01<", ">linear.weight<"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  // Values: layer 2 at BER index 2 (0.01) under none is 90 - 80 = 10 %; under scale 15 %; clean 90 and 95.
  EXPECT_NE(svg.find(">10.0<"), std::string::npos);
  EXPECT_NE(svg.find(">15.0<"), std::string::npos);
  EXPECT_NE(svg.find(">95.0<"), std::string::npos);
  EXPECT_NE(svg.find("linear.weight, q2.5, none, BER 0.01: 10.00 ["), std::string::npos);  // tooltip
  const std::string html = test::read_text(out.dir / "report.html");
  EXPECT_EQ(count_of(html, "<svg"), 1u);
  EXPECT_EQ(count_of(html, "class=\"heat-cell\""), 18u);
  for (const char* banned : {"http://", "https://", "<script", "<link", " src=", "<img", "url("})
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  EXPECT_NE(test::read_text(out.dir / "layers.md").find("](layers_top1.svg)"), std::string::npos);
}

TEST(Heatmap, RejectsValuesOfTheWrongShape) {
  report::Heatmap map;
  map.rows = {"a", "b"};
  map.blocks.push_back({"x", {"1", "2"}, {{1, 2}}, {}});
  EXPECT_THROW(report::render_heatmap_svg(map, true), std::invalid_argument);
  map.blocks[0].values = {{1, 2}, {3}};
  EXPECT_THROW(report::render_heatmap_svg(map, true), std::invalid_argument);
  map.blocks[0].values = {{1, 2}, {3, NAN}};
  const std::string svg = report::render_heatmap_svg(map, true);
  EXPECT_EQ(count_of(svg, "class=\"heat-cell\""), 4u);
  EXPECT_NE(svg.find(">–<"), std::string::npos);  // the missing value
}
