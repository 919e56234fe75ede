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

}  // namespace

std::string render_strip_svg(const StripPlot& plot, bool standalone) {
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

  // Categories are narrower when panels have many, so that two panels still share a row.
  std::size_t most = 0;
  for (const auto& p : plot.panels) most = std::max(most, p.categories.size());
  const double slot = most <= 3 ? 96 : 78;

  // Panels flow into rows within max_width.
  const double left = 66, margin = 20;
  struct Placed {
    std::size_t panel;
    double x;  // left edge of the data area
    std::size_t row;
  };
  std::vector<Placed> placed;
  double x = left, W = left;
  std::size_t row = 0;
  for (std::size_t p = 0; p < plot.panels.size(); ++p) {
    const double w = static_cast<double>(plot.panels[p].categories.size()) * slot;
    if (x > left && x + w + margin > plot.max_width) x = left, ++row;
    placed.push_back({p, x, row});
    W = std::max(W, x + w);
    x += w + kPanelGap;
  }
  W = std::max(W + margin, text_width(plot.title, 16) + 40);
  const double title_h = 40, row_h = kRowHead + kPlotH + kRowFoot;
  const auto row_top = [&](std::size_t r) { return title_h + static_cast<double>(r) * row_h + kRowHead; };
  const double legend_y = title_h + static_cast<double>(row + 1) * row_h + 8;

  const double span = plot.y_max - plot.y_min;
  const double step = nice_step(span, 5);
  const auto py = [&](std::size_t r, double v) {
    const double c = std::clamp(v, plot.y_min, plot.y_max);
    return row_top(r) + kPlotH - kPad - (c - plot.y_min) / span * (kPlotH - 2 * kPad);
  };

  // Legend entries: the groups that have dots, then the summary.
  std::vector<bool> used(plot.groups.size(), false);
  bool any_summary = false;
  for (const auto& p : plot.panels)
    for (const auto& c : p.categories) {
      for (const auto& pt : c.points) used[static_cast<std::size_t>(pt.group)] = true;
      any_summary |= std::isfinite(c.mean);
    }
  std::vector<std::pair<double, double>> at;
  std::vector<std::string> labels;
  double lx = left, ly = legend_y;
  const auto place = [&](const std::string& label) {
    const double w = 26 + text_width(label, 13) + 22;
    if (lx > left && lx + w > W - 10) lx = left, ly += 22;
    at.push_back({lx, ly});
    labels.push_back(label);
    lx += w;
  };
  for (std::size_t g = 0; g < plot.groups.size(); ++g)
    if (used[g]) place(plot.groups[g].name);
  if (any_summary) place(plot.summary_legend);
  const double H = ly + 16;

  std::string o = svg_open(W, H, plot.title, standalone);
  o += svg_text(W / 2, 26, plot.title, "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  for (std::size_t r = 0; r <= row; ++r)
    o += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(18 " + num(row_top(r) + kPlotH / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(plot.y_label) + "</text>\n";

  for (const auto& pl : placed) {
    const auto& panel = plot.panels[pl.panel];
    const double top = row_top(pl.row), w = static_cast<double>(panel.categories.size()) * slot;
    const bool first_in_row = pl.x == left;
    o += svg_text(pl.x + w / 2, top - 9, panel.title,
                  "class=\"panel-title\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
    o += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
    for (double t = std::ceil(plot.y_min / step) * step; t <= plot.y_max + step * 1e-9; t += step)
      o += "<line x1=\"" + num(pl.x) + "\" y1=\"" + num(py(pl.row, t)) + "\" x2=\"" + num(pl.x + w) +
           "\" y2=\"" + num(py(pl.row, t)) + "\"/>\n";
    for (std::size_t c = 1; c < panel.categories.size(); ++c)
      o += "<line x1=\"" + num(pl.x + slot * static_cast<double>(c)) + "\" y1=\"" + num(top) + "\" x2=\"" +
           num(pl.x + slot * static_cast<double>(c)) + "\" y2=\"" + num(top + kPlotH) + "\"/>\n";
    o += "</g>\n<rect class=\"panel\" x=\"" + num(pl.x) + "\" y=\"" + num(top) + "\" width=\"" + num(w) +
         "\" height=\"" + num(kPlotH) + "\" fill=\"none\" stroke=\"#333333\"/>\n";
    for (double t = std::ceil(plot.y_min / step) * step; t <= plot.y_max + step * 1e-9; t += step) {
      o += "<line x1=\"" + num(pl.x - 5) + "\" y1=\"" + num(py(pl.row, t)) + "\" x2=\"" + num(pl.x) +
           "\" y2=\"" + num(py(pl.row, t)) + "\" stroke=\"#333333\"/>\n";
      if (first_in_row)
        o += svg_text(pl.x - 9, py(pl.row, t) + 4.5, format_general(t),
                      "class=\"y-tick\" text-anchor=\"end\"");
    }

    for (std::size_t ci = 0; ci < panel.categories.size(); ++ci) {
      const auto& cat = panel.categories[ci];
      const double sx = pl.x + slot * static_cast<double>(ci);
      const double centre = sx + (slot - 22) / 2 + 2, half = (slot - 22) / 2 - 6, bar = sx + slot - 13;
      o += svg_text(sx + slot / 2, top + kPlotH + 31, cat.label, "class=\"x-tick\" text-anchor=\"middle\"");
      if (!cat.sublabel.empty())
        o += svg_text(sx + slot / 2, top + kPlotH + 46, cat.sublabel,
                      "class=\"x-sublabel\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555555\"");

      // Each group present in the category gets its own swarm side by side, so no group hides another;
      // all swarms of the category share one spacing, so their widths compare like their counts.
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
        heights[pt.group].push_back(py(pl.row, pt.y));
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
      if (std::isfinite(cat.mean)) {
        std::string d;
        if (std::isfinite(cat.lo) && std::isfinite(cat.hi)) {
          const double a = py(pl.row, cat.hi), b = py(pl.row, cat.lo);
          d = "M" + num(bar) + " " + num(a) + " V" + num(b) + " M" + num(bar - 3.5) + " " + num(a) + " H" +
              num(bar + 3.5) + " M" + num(bar - 3.5) + " " + num(b) + " H" + num(bar + 3.5) + " ";
        }
        const double m = py(pl.row, cat.mean);
        d += "M" + num(bar - 6) + " " + num(m) + " H" + num(bar + 6);
        o += "<path class=\"cell-summary\" d=\"" + d +
             "\" stroke=\"#111111\" stroke-width=\"1.6\" fill=\"none\">" +
             (cat.tip.empty() ? "" : "<title>" + escape_xml(cat.tip) + "</title>") + "</path>\n";
        o += "<path d=\"M" + num(bar - 6) + " " + num(m) + " H" + num(bar + 6) +
             "\" stroke=\"#111111\" stroke-width=\"3.2\"/>\n";  // the mean, bold
      }
    }
  }

  o += "<g class=\"legend\">\n";
  std::size_t e = 0;
  for (std::size_t g = 0; g < plot.groups.size(); ++g) {
    if (!used[g]) continue;
    const auto [ex, ey] = at[e];
    o += marker_element(plot.groups[g].shape, ex + 10, ey, 9) + " fill=\"" + plot.groups[g].color +
         "\" fill-opacity=\"0.8\"/>\n" + svg_text(ex + 26, ey + 4.5, labels[e], "class=\"legend-label\"");
    ++e;
  }
  if (any_summary) {
    const auto [ex, ey] = at[e];
    o += "<path d=\"M" + num(ex + 10) + " " + num(ey - 8) + " V" + num(ey + 8) + " M" + num(ex + 6.5) + " " +
         num(ey - 8) + " H" + num(ex + 13.5) + " M" + num(ex + 6.5) + " " + num(ey + 8) + " H" +
         num(ex + 13.5) + "\" stroke=\"#111111\" stroke-width=\"1.6\" fill=\"none\"/><path d=\"M" +
         num(ex + 4) + " " + num(ey) + " H" + num(ex + 16) +
         "\" stroke=\"#111111\" stroke-width=\"3.2\"/>\n" +
         svg_text(ex + 26, ey + 4.5, labels[e], "class=\"legend-label\"");
  }
  o += "</g>\n</svg>\n";
  return o;
}

}  // namespace flipguard::report
