#include "report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "report/svg_canvas.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

struct Axis {
  double lo = 0, hi = 1;      // data range shown, in axis units (log10 for a log axis)
  std::vector<double> ticks;  // in axis units
  std::vector<double> minor;  // in axis units
  bool log = false;
  double to_unit(double v) const { return log ? std::log10(v) : v; }
  std::string label(double t) const {
    if (log) return format_ber(std::pow(10.0, t));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", std::fabs(t) < 1e-12 ? 0.0 : t);
    return buf;
  }
};

Axis linear_x_axis(Range r) {
  if (r.lo == r.hi) r.lo -= 1, r.hi += 1;
  const double step = nice_step(r.hi - r.lo, 5);
  Axis a;
  a.lo = std::floor(r.lo / step) * step;
  a.hi = std::ceil(r.hi / step) * step;
  for (double t = a.lo; t <= a.hi + step * 1e-9; t += step) a.ticks.push_back(t);
  const double p = 0.04 * (a.hi - a.lo);  // keep markers at the ends off the frame
  a.lo -= p, a.hi += p;
  return a;
}

Axis log_x_axis(Range r) {
  Axis a;
  a.log = true;
  // A seventh of a decade beyond the extreme points keeps their markers and dodged neighbours clear of the
  // frame; at least one decade is shown so a single BER still gets a tick.
  a.lo = r.lo - 0.15;
  a.hi = r.hi + 0.15;
  if (a.hi - a.lo < 1) {
    const double mid = 0.5 * (a.lo + a.hi);
    a.lo = mid - 0.5, a.hi = mid + 0.5;
  }
  for (double t = std::floor(a.lo); t <= std::ceil(a.hi); t += 1) {
    if (t >= a.lo - 1e-9 && t <= a.hi + 1e-9) a.ticks.push_back(t);
    for (int m = 2; m <= 9; ++m)
      if (t + std::log10(m) > a.lo && t + std::log10(m) < a.hi) a.minor.push_back(t + std::log10(m));
  }
  return a;
}

// Round ticks over the data's y range, never beyond [floor, ceiling].
Axis y_axis(Range r, double floor, double ceiling) {
  r.lo = std::clamp(r.lo, floor, ceiling);
  r.hi = std::clamp(r.hi, floor, ceiling);
  if (r.hi - r.lo < 1e-9) r.lo -= 1, r.hi += 1;
  const double step = nice_step(r.hi - r.lo, 5);
  Axis a;
  a.lo = std::max(floor, std::floor(r.lo / step) * step);
  a.hi = std::min(ceiling, std::ceil(r.hi / step) * step);
  if (a.hi - a.lo < 1e-9) a.lo = std::max(floor, a.lo - step), a.hi = std::min(ceiling, a.hi + step);
  for (double t = std::ceil(a.lo / step) * step; t <= a.hi + step * 1e-9; t += step) a.ticks.push_back(t);
  return a;
}

void check(const LinePlot& plot) {
  for (const auto& s : plot.series) {
    if (s.y.size() != s.x.size())
      throw std::invalid_argument("plot series '" + s.name + "': " + std::to_string(s.x.size()) +
                                  " x values but " + std::to_string(s.y.size()) + " y values");
    if (!(s.lo.empty() && s.hi.empty()) && (s.lo.size() != s.x.size() || s.hi.size() != s.x.size()))
      throw std::invalid_argument("plot series '" + s.name +
                                  "': interval bounds must have one entry per point");
    if (plot.log_x)
      for (double x : s.x)
        if (!(x > 0))
          throw std::invalid_argument("plot series '" + s.name + "': x = " + format_general(x) +
                                      " cannot be shown on a log axis");
  }
}

std::string stroke_dash(std::size_t series) {
  const std::string d = series_dash(series);
  return d.empty() ? "" : " stroke-dasharray=\"" + d + "\"";
}

// The finite data the axes must show: x in axis units, y with intervals, anchors and reference lines.
struct DataExtent {
  Range x, y;
  bool any_anchor = false;
};

DataExtent data_extent(const LinePlot& plot) {
  DataExtent e;
  for (const auto& s : plot.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
      e.x.add(plot.log_x ? std::log10(s.x[i]) : s.x[i]);
      e.y.add(s.y[i]);
      if (!s.lo.empty()) e.y.add(s.lo[i]), e.y.add(s.hi[i]);
    }
    if (std::isfinite(s.anchor_y)) {
      e.any_anchor = true;
      e.y.add(s.anchor_y), e.y.add(s.anchor_lo), e.y.add(s.anchor_hi);
    }
  }
  if (e.x.empty()) throw std::invalid_argument("plot '" + plot.title + "' has no finite point");
  for (const auto& r : plot.references) e.y.add(r.y);
  return e;
}

// The plot's geometry: y labels, the anchor slot and a gap (the axis break), the data area, a margin; the
// width follows the x range unless given, and leaves room for the title. Maps data to pixels.
struct Frame {
  Axis xa, ya;
  bool any_anchor = false;
  double left = 66, anchor_w = 0, gap = 0, margin = 26;
  double width = 0, data_w = 0, x0 = 0, x1 = 0;
  double top = 44, bottom = 0, pad = 9;  // pad: markers at 0 and 100 stay inside
  double anchor_x = 0;
  std::size_t series = 0;
  double dodge = 0;  // pixels between the points of neighbouring series at one x

  // Dodge: series si sits this many pixels from its x, centred on it over all series.
  double offset(std::size_t si) const { return (static_cast<double>(si) - (series - 1) / 2.0) * dodge; }
  double pxu(double u) const { return x0 + (u - xa.lo) / (xa.hi - xa.lo) * data_w; }
  double px(double v, std::size_t si) const { return pxu(xa.to_unit(v)) + offset(si); }
  double py(double v) const {
    const double c = std::clamp(v, ya.lo, ya.hi);
    return bottom - pad - (c - ya.lo) / (ya.hi - ya.lo) * (bottom - top - 2 * pad);
  }
};

Frame frame_of(const LinePlot& plot, const DataExtent& extent) {
  Frame f;
  f.xa = plot.log_x ? log_x_axis(extent.x) : linear_x_axis(extent.x);
  f.ya = y_axis(extent.y, plot.y_min, plot.y_max);
  f.any_anchor = extent.any_anchor;
  f.anchor_w = f.any_anchor ? 64 : 0;
  f.gap = f.any_anchor ? 18 : 0;
  double data_w = plot.log_x ? std::clamp((f.xa.hi - f.xa.lo) * 170, 280.0, 760.0) : 620;
  double W = f.left + f.anchor_w + f.gap + data_w + f.margin;
  if (plot.width > 0) W = plot.width;
  W = std::max(W, text_width(plot.title, 16) + 40);
  f.width = W;
  f.data_w = W - f.left - f.anchor_w - f.gap - f.margin;
  f.x0 = f.left + f.anchor_w + f.gap;
  f.x1 = f.x0 + f.data_w;
  f.bottom = f.top + plot.plot_height;
  f.series = plot.series.size();
  f.dodge = f.series > 1 ? std::min(9.0, 48.0 / static_cast<double>(f.series - 1)) : 0;
  f.anchor_x = f.left + f.anchor_w / 2;
  return f;
}

enum class LegendKind { series, interval, reference };

struct LegendEntry {
  LegendKind kind;
  std::string label;
  std::size_t series = 0;
  double x = 0, y = 0;
};

struct Legend {
  std::vector<LegendEntry> entries;
  double height = 0;  // of the whole plot, which ends below the legend
};

// The legend below the x label: entries flow left to right and wrap.
Legend legend_of(const LinePlot& plot, const Frame& f) {
  Legend legend;
  auto& entries = legend.entries;
  for (std::size_t si = 0; si < plot.series.size(); ++si)
    entries.push_back({LegendKind::series, plot.series[si].name, si});
  const bool any_interval = std::any_of(plot.series.begin(), plot.series.end(), [](const auto& s) {
    return !s.lo.empty() || std::isfinite(s.anchor_lo);
  });
  if (any_interval) entries.push_back({LegendKind::interval, plot.band_legend});
  if (!plot.references.empty()) entries.push_back({LegendKind::reference, plot.reference_legend});
  const double legend_top = f.bottom + 64;
  double lx = f.left, ly = legend_top;
  for (auto& e : entries) {
    const double w = 44 + text_width(e.label, 13) + 22;
    if (lx > f.left && lx + w > f.width - 10) lx = f.left, ly += 22;
    e.x = lx, e.y = ly;
    lx += w;
  }
  legend.height = ly + 16;
  return legend;
}

// Grid, frames (the anchor slot has its own, the gap is the axis break), ticks, their labels and the axis
// labels.
std::string axes_svg(const LinePlot& plot, const Frame& f) {
  const auto& xa = f.xa;
  const auto& ya = f.ya;
  std::string o = "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t : ya.ticks) {
    o += "<line x1=\"" + num(f.x0) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(f.x1) + "\" y2=\"" +
         num(f.py(t)) + "\"/>\n";
    if (f.any_anchor)
      o += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(f.left + f.anchor_w) +
           "\" y2=\"" + num(f.py(t)) + "\"/>\n";
  }
  for (double t : xa.ticks)
    o += "<line x1=\"" + num(f.pxu(t)) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(f.pxu(t)) + "\" y2=\"" +
         num(f.bottom) + "\"/>\n";
  o += "</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\" fill=\"none\">\n";
  o += "<rect x=\"" + num(f.x0) + "\" y=\"" + num(f.top) + "\" width=\"" + num(f.data_w) + "\" height=\"" +
       num(f.bottom - f.top) + "\"/>\n";
  if (f.any_anchor)
    o += "<rect class=\"anchor-frame\" x=\"" + num(f.left) + "\" y=\"" + num(f.top) + "\" width=\"" +
         num(f.anchor_w) + "\" height=\"" + num(f.bottom - f.top) + "\"/>\n";
  for (double t : xa.ticks)
    o += "<line x1=\"" + num(f.pxu(t)) + "\" y1=\"" + num(f.bottom) + "\" x2=\"" + num(f.pxu(t)) +
         "\" y2=\"" + num(f.bottom + 6) + "\"/>\n";
  for (double t : xa.minor)
    o += "<line x1=\"" + num(f.pxu(t)) + "\" y1=\"" + num(f.bottom) + "\" x2=\"" + num(f.pxu(t)) +
         "\" y2=\"" + num(f.bottom + 3) + "\"/>\n";
  for (double t : ya.ticks)
    o += "<line x1=\"" + num(f.left - 6) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(f.left) + "\" y2=\"" +
         num(f.py(t)) + "\"/>\n";
  o += "</g>\n<g class=\"tick-labels\" fill=\"#222222\">\n";
  for (double t : xa.ticks)
    o += svg_text(f.pxu(t), f.bottom + 21, xa.label(t), "class=\"x-tick\" text-anchor=\"middle\"");
  if (f.any_anchor)
    o += svg_text(f.anchor_x, f.bottom + 21, plot.anchor_label, "class=\"x-tick\" text-anchor=\"middle\"");
  for (double t : ya.ticks)
    o += svg_text(f.left - 10, f.py(t) + 4.5, ya.label(t), "class=\"y-tick\" text-anchor=\"end\"");
  o += "</g>\n";
  o += svg_text((f.x0 + f.x1) / 2, f.bottom + 44, plot.x_label,
                "class=\"x-label\" text-anchor=\"middle\" font-size=\"14\"");
  o += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(18 " + num((f.top + f.bottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(plot.y_label) + "</text>\n";
  return o;
}

// Reference lines go under everything else, faint: the anchored points carry the values.
std::string references_svg(const LinePlot& plot, const Frame& f) {
  std::string o;
  for (const auto& r : plot.references) {
    const std::string color = r.series >= 0 ? series_color(static_cast<std::size_t>(r.series)) : "#777777";
    o += "<line class=\"reference\" x1=\"" + num(f.x0) + "\" y1=\"" + num(f.py(r.y)) + "\" x2=\"" +
         num(f.x1) + "\" y2=\"" + num(f.py(r.y)) + "\" stroke=\"" + color +
         "\" stroke-opacity=\"0.7\" stroke-width=\"1.2\" stroke-dasharray=\"7 5\"><title>" +
         escape_xml(r.name) + "</title></line>\n";
  }
  return o;
}

// Bands: a light fill with an outline in the series' own dash pattern, one polygon per run of two or more
// points with an interval (a lone point has its error bar).
std::string bands_svg(const LinePlot& plot, const Frame& f) {
  std::string o;
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    if (s.lo.empty()) continue;
    const auto ok = [&](std::size_t k) {
      return std::isfinite(s.y[k]) && std::isfinite(s.lo[k]) && std::isfinite(s.hi[k]);
    };
    for (std::size_t i = 0; i < s.x.size();) {
      if (!ok(i)) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < s.x.size() && ok(j)) ++j;
      if (j - i >= 2) {
        std::string d;
        for (std::size_t k = i; k < j; ++k)
          d += (k == i ? "M" : " L") + num(f.px(s.x[k], si)) + " " + num(f.py(s.hi[k]));
        for (std::size_t k = j; k-- > i;) d += " L" + num(f.px(s.x[k], si)) + " " + num(f.py(s.lo[k]));
        o += "<path class=\"band\" data-series=\"" + escape_xml(s.name) + "\" d=\"" + d + " Z\" fill=\"" +
             series_color(si) + "\" fill-opacity=\"0.10\" stroke=\"" + series_color(si) +
             "\" stroke-opacity=\"0.6\" stroke-width=\"1\"" + stroke_dash(si) + "/>\n";
      }
      i = j;
    }
  }
  return o;
}

std::string error_bar(const Frame& f, double x, double lo, double hi, std::size_t si) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return std::string();
  const double a = f.py(hi), b = f.py(lo);
  return "<path class=\"interval\" d=\"M" + num(x) + " " + num(a) + " V" + num(b) + " M" + num(x - 3.5) +
         " " + num(a) + " H" + num(x + 3.5) + " M" + num(x - 3.5) + " " + num(b) + " H" + num(x + 3.5) +
         "\" stroke=\"" + series_color(si) + "\" stroke-width=\"1.4\" fill=\"none\"/>\n";
}

// An error bar per point with an interval, and one at the series' anchor.
std::string error_bars_svg(const LinePlot& plot, const Frame& f) {
  std::string o;
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (!s.lo.empty() && std::isfinite(s.y[i])) o += error_bar(f, f.px(s.x[i], si), s.lo[i], s.hi[i], si);
    if (std::isfinite(s.anchor_y)) o += error_bar(f, f.anchor_x + f.offset(si), s.anchor_lo, s.anchor_hi, si);
  }
  return o;
}

// One path per series; a non-finite y breaks its line.
std::string lines_svg(const LinePlot& plot, const Frame& f) {
  std::string o;
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    std::string d;
    bool pen_down = false;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      d += std::string(d.empty() ? "" : " ") + (pen_down ? "L" : "M") + num(f.px(s.x[i], si)) + " " +
           num(f.py(s.y[i]));
      pen_down = true;
    }
    o += "<path class=\"series\" data-series=\"" + escape_xml(s.name) + "\" d=\"" + d +
         "\" fill=\"none\" stroke=\"" + series_color(si) +
         "\" stroke-width=\"2.2\" stroke-linejoin=\"round\"" + stroke_dash(si) + "/>\n";
  }
  return o;
}

std::string marker_svg(std::size_t si, double x, double y, const std::string& cls, const std::string& tip) {
  const MarkerShape shape = series_marker(si);
  return marker_element(shape, x, y, 9) + " class=\"" + cls + "\" fill=\"" + series_color(si) +
         "\" stroke=\"#ffffff\" stroke-width=\"1\"><title>" + escape_xml(tip) + "</title>" +
         marker_end_tag(shape) + "\n";
}

std::string tip_of(const std::string& name, const std::string& where, double y, double lo, double hi) {
  std::string tip = name + ": " + where + ", y = " + format_fixed(y, 2);
  if (std::isfinite(lo) && std::isfinite(hi))
    tip += " [" + format_fixed(lo, 2) + ", " + format_fixed(hi, 2) + "]";
  return tip;
}

// Markers with their tooltips, drawn last, above every line.
std::string markers_svg(const LinePlot& plot, const Frame& f) {
  std::string o;
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      const double lo = s.lo.empty() ? NAN : s.lo[i], hi = s.hi.empty() ? NAN : s.hi[i];
      o += marker_svg(si, f.px(s.x[i], si), f.py(s.y[i]), "marker",
                      tip_of(s.name, "x = " + format_general(s.x[i]), s.y[i], lo, hi));
    }
    if (std::isfinite(s.anchor_y))
      o += marker_svg(si, f.anchor_x + f.offset(si), f.py(s.anchor_y), "anchor-marker",
                      tip_of(s.name, plot.anchor_label, s.anchor_y, s.anchor_lo, s.anchor_hi));
  }
  return o;
}

std::string legend_svg(const Legend& legend) {
  std::string o = "<g class=\"legend\">\n";
  for (const auto& entry : legend.entries) {
    const double ex = entry.x, ey = entry.y;
    if (entry.kind == LegendKind::series) {
      const std::size_t si = entry.series;
      const MarkerShape shape = series_marker(si);
      o += "<line class=\"legend-line\" x1=\"" + num(ex) + "\" y1=\"" + num(ey) + "\" x2=\"" + num(ex + 36) +
           "\" y2=\"" + num(ey) + "\" stroke=\"" + series_color(si) + "\" stroke-width=\"2.2\"" +
           stroke_dash(si) + "/>\n" + marker_element(shape, ex + 18, ey, 9) + " fill=\"" + series_color(si) +
           "\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n";
    } else if (entry.kind == LegendKind::interval) {
      o += "<rect x=\"" + num(ex + 4) + "\" y=\"" + num(ey - 7) +
           "\" width=\"28\" height=\"14\" fill=\"#777777\" fill-opacity=\"0.15\" stroke=\"#777777\" "
           "stroke-opacity=\"0.7\"/><path d=\"M" +
           num(ex + 18) + " " + num(ey - 7) + " V" + num(ey + 7) + " M" + num(ex + 14.5) + " " + num(ey - 7) +
           " H" + num(ex + 21.5) + " M" + num(ex + 14.5) + " " + num(ey + 7) + " H" + num(ex + 21.5) +
           "\" stroke=\"#444444\" stroke-width=\"1.4\" fill=\"none\"/>\n";
    } else {
      o += "<line x1=\"" + num(ex) + "\" y1=\"" + num(ey) + "\" x2=\"" + num(ex + 36) + "\" y2=\"" + num(ey) +
           "\" stroke=\"#777777\" stroke-width=\"1.2\" stroke-dasharray=\"7 5\"/>\n";
    }
    o += svg_text(ex + 44, ey + 4.5, entry.label, "class=\"legend-label\"");
  }
  return o + "</g>\n";
}

}  // namespace

std::string render_svg(const LinePlot& plot, bool standalone) {
  check(plot);
  const Frame f = frame_of(plot, data_extent(plot));
  const Legend legend = legend_of(plot, f);
  std::string o = svg_open(f.width, legend.height, plot.title, standalone);
  o += svg_text((f.left + f.width - f.margin) / 2, 26, plot.title,
                "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  o += axes_svg(plot, f);
  o += references_svg(plot, f);
  o += bands_svg(plot, f);
  o += error_bars_svg(plot, f);
  o += lines_svg(plot, f);
  o += markers_svg(plot, f);
  o += legend_svg(legend);
  return o + "</svg>\n";
}

}  // namespace flipguard::report
