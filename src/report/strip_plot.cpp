#include "report/strip_plot.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "report/svg_canvas.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

constexpr double kPanelGap = 22;  // between panels of a row
constexpr double kPlotH = 300;    // data area height of a row
constexpr double kRowHead = 26;   // panel titles above the data area
constexpr double kRowFoot = 58;   // per-lane counts and category labels below it
constexpr double kDot = 4.4;      // dot diameter
constexpr double kPad = 6;        // dots at the axis limits stay inside the frame

double size_of(MarkerShape shape) {
  return shape == MarkerShape::circle ? kDot : kDot * 1.2;  // other shapes read smaller at equal width
}

void check(const StripPlot& plot) {
  std::size_t categories = 0;
  for (const auto& p : plot.panels) {
    categories += p.categories.size();
    for (const auto& c : p.categories)
      for (const auto& pt : c.points)
        if (pt.group < 0 || static_cast<std::size_t>(pt.group) >= plot.groups.size())
          throw std::invalid_argument("strip plot '" + plot.title + "': a point of unknown group " +
                                      std::to_string(pt.group));
  }
  if (categories == 0) throw std::invalid_argument("strip plot '" + plot.title + "' has no category");
}

struct PlacedPanel {
  std::size_t panel;
  double x;  // left edge of the data area
  std::size_t row;
};

// Where the panels go: they flow into rows within max_width, each category a slot of the same width.
struct Layout {
  double left = 66, margin = 20, title_h = 40, row_h = kRowHead + kPlotH + kRowFoot;
  double slot = 0, width = 0;
  std::size_t last_row = 0;
  std::vector<PlacedPanel> placed;
  double y_min = 0, y_max = 0, span = 0, step = 0;  // the y axis and its tick step

  double row_top(std::size_t r) const { return title_h + static_cast<double>(r) * row_h + kRowHead; }
  double legend_y() const { return title_h + static_cast<double>(last_row + 1) * row_h + 8; }
  double py(std::size_t r, double v) const {
    const double c = std::clamp(v, y_min, y_max);
    return row_top(r) + kPlotH - kPad - (c - y_min) / span * (kPlotH - 2 * kPad);
  }
};

Layout layout_of(const StripPlot& plot) {
  Layout l;
  // Categories are narrower when panels have many, so that two panels still share a row.
  std::size_t most = 0;
  for (const auto& p : plot.panels) most = std::max(most, p.categories.size());
  l.slot = most <= 3 ? 96 : 78;
  double x = l.left, W = l.left;
  std::size_t row = 0;
  for (std::size_t p = 0; p < plot.panels.size(); ++p) {
    const double w = static_cast<double>(plot.panels[p].categories.size()) * l.slot;
    if (x > l.left && x + w + l.margin > plot.max_width) x = l.left, ++row;
    l.placed.push_back({p, x, row});
    W = std::max(W, x + w);
    x += w + kPanelGap;
  }
  l.width = std::max(W + l.margin, text_width(plot.title, 16) + 40);
  l.last_row = row;
  l.y_min = plot.y_min;
  l.y_max = plot.y_max;
  l.span = plot.y_max - plot.y_min;
  l.step = nice_step(l.span, 5);
  return l;
}

struct LegendEntry {
  std::string label;
  double x = 0, y = 0;
};

// Legend entries: the groups that have dots, then the summary; they flow left to right and wrap.
struct Legend {
  std::vector<bool> used;  // per group: has dots (and an entry)
  bool any_summary = false;
  std::vector<LegendEntry> entries;
  double height = 0;  // of the whole plot, which ends below the legend
};

Legend legend_of(const StripPlot& plot, const Layout& l) {
  Legend legend;
  legend.used.assign(plot.groups.size(), false);
  for (const auto& p : plot.panels)
    for (const auto& c : p.categories) {
      for (const auto& pt : c.points) legend.used[static_cast<std::size_t>(pt.group)] = true;
      legend.any_summary |= std::isfinite(c.mean);
    }
  double lx = l.left, ly = l.legend_y();
  const auto place = [&](const std::string& label) {
    const double w = 26 + text_width(label, 13) + 22;
    if (lx > l.left && lx + w > l.width - 10) lx = l.left, ly += 22;
    legend.entries.push_back({label, lx, ly});
    lx += w;
  };
  for (std::size_t g = 0; g < plot.groups.size(); ++g)
    if (legend.used[g]) place(plot.groups[g].name);
  if (legend.any_summary) place(plot.summary_legend);
  legend.height = ly + 16;
  return legend;
}

// A panel's title, grid, frame and y ticks (labelled in the first panel of a row).
std::string panel_frame_svg(const StripPlot& plot, const Layout& l, const PlacedPanel& pl) {
  const auto& panel = plot.panels[pl.panel];
  const double top = l.row_top(pl.row), w = static_cast<double>(panel.categories.size()) * l.slot;
  const bool first_in_row = pl.x == l.left;
  std::string o =
      svg_text(pl.x + w / 2, top - 9, panel.title,
               "class=\"panel-title\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
  o += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t = std::ceil(l.y_min / l.step) * l.step; t <= l.y_max + l.step * 1e-9; t += l.step)
    o += "<line x1=\"" + num(pl.x) + "\" y1=\"" + num(l.py(pl.row, t)) + "\" x2=\"" + num(pl.x + w) +
         "\" y2=\"" + num(l.py(pl.row, t)) + "\"/>\n";
  for (std::size_t c = 1; c < panel.categories.size(); ++c)
    o += "<line x1=\"" + num(pl.x + l.slot * static_cast<double>(c)) + "\" y1=\"" + num(top) + "\" x2=\"" +
         num(pl.x + l.slot * static_cast<double>(c)) + "\" y2=\"" + num(top + kPlotH) + "\"/>\n";
  o += "</g>\n<rect class=\"panel\" x=\"" + num(pl.x) + "\" y=\"" + num(top) + "\" width=\"" + num(w) +
       "\" height=\"" + num(kPlotH) + "\" fill=\"none\" stroke=\"#333333\"/>\n";
  for (double t = std::ceil(l.y_min / l.step) * l.step; t <= l.y_max + l.step * 1e-9; t += l.step) {
    o += "<line x1=\"" + num(pl.x - 5) + "\" y1=\"" + num(l.py(pl.row, t)) + "\" x2=\"" + num(pl.x) +
         "\" y2=\"" + num(l.py(pl.row, t)) + "\" stroke=\"#333333\"/>\n";
    if (first_in_row)
      o += svg_text(pl.x - 9, l.py(pl.row, t) + 4.5, format_general(t),
                    "class=\"y-tick\" text-anchor=\"end\"");
  }
  return o;
}

// The dots of one category: each group present gets its own swarm (lane) side by side, so no group hides
// another; all swarms of the category share one spacing, so their widths compare like their counts.
std::string swarms_svg(const StripPlot& plot, const StripCategory& cat, std::size_t row, double top,
                       double centre, double half, const Layout& l) {
  std::vector<int> present;
  for (const auto& pt : cat.points)
    if (std::find(present.begin(), present.end(), pt.group) == present.end()) present.push_back(pt.group);
  std::sort(present.begin(), present.end());
  const double lane = 2 * half / static_cast<double>(std::max<std::size_t>(1, present.size()));
  // Rows of dots closer than one dot diameter in height, per group: sorted by height, a row starts at the
  // first dot a diameter below the previous row's start, so near-equal values always share a row.
  std::map<int, std::vector<double>> heights;
  std::map<int, std::size_t> count;
  for (const auto& pt : cat.points) {
    ++count[pt.group];
    heights[pt.group].push_back(l.py(row, pt.y));
  }
  std::map<int, std::vector<std::vector<double>>> rows;
  std::size_t widest = 1;
  for (auto& [group, ys] : heights) {
    std::sort(ys.begin(), ys.end());
    auto& mine = rows[group];
    for (double y : ys) {
      if (mine.empty() || y - mine.back().front() >= kDot) mine.emplace_back();
      mine.back().push_back(y);
      widest = std::max(widest, mine.back().size());
    }
  }
  const double reach = std::ceil((static_cast<double>(widest) - 1) / 2);
  const double spacing = reach > 0 ? std::min(kDot + 0.8, (lane / 2 - kDot / 2) / reach) : 0;
  std::string o;
  for (std::size_t k = 0; k < present.size(); ++k) {
    const auto g = static_cast<std::size_t>(present[k]);
    const double mid = centre - half + lane * (static_cast<double>(k) + 0.5);
    std::string dots;
    for (const auto& ys : rows[present[k]])
      for (std::size_t i = 0; i < ys.size(); ++i) {  // from the middle outwards: 0, +1, -1, +2, ...
        const double side = i % 2 == 1 ? 1 : -1, steps = std::ceil(static_cast<double>(i) / 2);
        dots += marker_element(plot.groups[g].shape, mid + side * steps * spacing, ys[i],
                               size_of(plot.groups[g].shape)) +
                " class=\"trial\"/>\n";
      }
    // The lane's count under the frame, in its colour, when the category has several lanes.
    if (present.size() > 1)
      o += svg_text(mid, top + kPlotH + 13, std::to_string(count[present[k]]),
                    "class=\"lane-count\" text-anchor=\"middle\" font-size=\"10\" fill=\"" +
                        plot.groups[g].color + "\"");
    o += "<g class=\"trials\" data-group=\"" + escape_xml(plot.groups[g].name) + "\" fill=\"" +
         plot.groups[g].color + "\" fill-opacity=\"0.62\">" +
         (cat.tip.empty() ? "" : "<title>" + escape_xml(cat.tip) + "</title>") + "\n" + dots + "</g>\n";
  }
  return o;
}

// The category's mean as a bold tick at `bar`, with its interval as an error bar when it has one.
std::string summary_svg(const StripCategory& cat, std::size_t row, double bar, const Layout& l) {
  std::string d;
  if (std::isfinite(cat.lo) && std::isfinite(cat.hi)) {
    const double a = l.py(row, cat.hi), b = l.py(row, cat.lo);
    d = "M" + num(bar) + " " + num(a) + " V" + num(b) + " M" + num(bar - 3.5) + " " + num(a) + " H" +
        num(bar + 3.5) + " M" + num(bar - 3.5) + " " + num(b) + " H" + num(bar + 3.5) + " ";
  }
  const double m = l.py(row, cat.mean);
  d += "M" + num(bar - 6) + " " + num(m) + " H" + num(bar + 6);
  std::string o = "<path class=\"cell-summary\" d=\"" + d +
                  "\" stroke=\"#111111\" stroke-width=\"1.6\" fill=\"none\">" +
                  (cat.tip.empty() ? "" : "<title>" + escape_xml(cat.tip) + "</title>") + "</path>\n";
  o += "<path d=\"M" + num(bar - 6) + " " + num(m) + " H" + num(bar + 6) +
       "\" stroke=\"#111111\" stroke-width=\"3.2\"/>\n";  // the mean, bold
  return o;
}

// One category of a placed panel: its labels under the frame, its swarms and its summary.
std::string category_svg(const StripPlot& plot, const Layout& l, const PlacedPanel& pl, std::size_t ci) {
  const auto& cat = plot.panels[pl.panel].categories[ci];
  const double top = l.row_top(pl.row);
  const double sx = pl.x + l.slot * static_cast<double>(ci);
  const double centre = sx + (l.slot - 22) / 2 + 2, half = (l.slot - 22) / 2 - 6, bar = sx + l.slot - 13;
  std::string o =
      svg_text(sx + l.slot / 2, top + kPlotH + 31, cat.label, "class=\"x-tick\" text-anchor=\"middle\"");
  if (!cat.sublabel.empty())
    o += svg_text(sx + l.slot / 2, top + kPlotH + 46, cat.sublabel,
                  "class=\"x-sublabel\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555555\"");
  o += swarms_svg(plot, cat, pl.row, top, centre, half, l);
  if (std::isfinite(cat.mean)) o += summary_svg(cat, pl.row, bar, l);
  return o;
}

std::string legend_svg(const StripPlot& plot, const Legend& legend) {
  std::string o = "<g class=\"legend\">\n";
  std::size_t e = 0;
  for (std::size_t g = 0; g < plot.groups.size(); ++g) {
    if (!legend.used[g]) continue;
    const auto& [label, ex, ey] = legend.entries[e];
    o += marker_element(plot.groups[g].shape, ex + 10, ey, 9) + " fill=\"" + plot.groups[g].color +
         "\" fill-opacity=\"0.8\"/>\n" + svg_text(ex + 26, ey + 4.5, label, "class=\"legend-label\"");
    ++e;
  }
  if (legend.any_summary) {
    const auto& [label, ex, ey] = legend.entries[e];
    o += "<path d=\"M" + num(ex + 10) + " " + num(ey - 8) + " V" + num(ey + 8) + " M" + num(ex + 6.5) + " " +
         num(ey - 8) + " H" + num(ex + 13.5) + " M" + num(ex + 6.5) + " " + num(ey + 8) + " H" +
         num(ex + 13.5) + "\" stroke=\"#111111\" stroke-width=\"1.6\" fill=\"none\"/><path d=\"M" +
         num(ex + 4) + " " + num(ey) + " H" + num(ex + 16) +
         "\" stroke=\"#111111\" stroke-width=\"3.2\"/>\n" +
         svg_text(ex + 26, ey + 4.5, label, "class=\"legend-label\"");
  }
  return o + "</g>\n";
}

}  // namespace

std::string render_strip_svg(const StripPlot& plot, bool standalone) {
  check(plot);
  const Layout l = layout_of(plot);
  const Legend legend = legend_of(plot, l);
  std::string o = svg_open(l.width, legend.height, plot.title, standalone);
  o += svg_text(l.width / 2, 26, plot.title, "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  for (std::size_t r = 0; r <= l.last_row; ++r)
    o += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(18 " +
         num(l.row_top(r) + kPlotH / 2) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" +
         escape_xml(plot.y_label) + "</text>\n";
  for (const auto& pl : l.placed) {
    o += panel_frame_svg(plot, l, pl);
    for (std::size_t ci = 0; ci < plot.panels[pl.panel].categories.size(); ++ci)
      o += category_svg(plot, l, pl, ci);
  }
  return o + legend_svg(plot, legend) + "</svg>\n";
}

}  // namespace flipguard::report
