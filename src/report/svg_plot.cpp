#include "report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

constexpr const char* kFont = "DejaVu Sans, Helvetica, Arial, sans-serif";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Round tick step of 1, 2, 2.5 or 5 times a power of ten giving about `count` intervals.
double nice_step(double span, int count) {
  const double raw = span / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

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

Axis linear_axis(Range r, bool pad) {
  if (r.lo == r.hi) r.lo -= 1, r.hi += 1;
  const double step = nice_step(r.hi - r.lo, 5);
  Axis a;
  a.lo = std::floor(r.lo / step) * step;
  a.hi = std::ceil(r.hi / step) * step;
  for (double t = a.lo; t <= a.hi + step * 1e-9; t += step) a.ticks.push_back(t);
  if (pad) {  // keep markers at the ends off the frame
    const double p = 0.04 * (a.hi - a.lo);
    a.lo -= p, a.hi += p;
  }
  return a;
}

Axis log_axis(Range r) {
  Axis a;
  a.log = true;
  double first = std::floor(r.lo), last = std::ceil(r.hi);
  if (first == last) first -= 1, last += 1;
  for (double t = first; t <= last; t += 1) {
    a.ticks.push_back(t);
    if (t < last)
      for (int m = 2; m <= 9; ++m) a.minor.push_back(t + std::log10(m));
  }
  // A seventh of a decade beyond the extreme points keeps their markers clear of the frame; at least one
  // decade is shown so a single BER still gets a tick.
  a.lo = r.lo - 0.15;
  a.hi = r.hi + 0.15;
  if (a.hi - a.lo < 1) {
    const double mid = 0.5 * (a.lo + a.hi);
    a.lo = mid - 0.5, a.hi = mid + 0.5;
  }
  return a;
}

void check(const LinePlot& plot) {
  for (const auto& s : plot.series) {
    if (s.y.size() != s.x.size())
      throw std::invalid_argument("plot series '" + s.name + "': " + std::to_string(s.x.size()) +
                                  " x values but " + std::to_string(s.y.size()) + " y values");
    if (!(s.lo.empty() && s.hi.empty()) && (s.lo.size() != s.x.size() || s.hi.size() != s.x.size()))
      throw std::invalid_argument("plot series '" + s.name + "': band bounds must have one entry per point");
    if (plot.log_x)
      for (double x : s.x)
        if (!(x > 0))
          throw std::invalid_argument("plot series '" + s.name + "': x = " + format_general(x) +
                                      " cannot be shown on a log axis");
  }
}

}  // namespace

std::string series_color(std::size_t i) {
  // Okabe-Ito, distinguishable with the common colour-vision deficiencies.
  static const char* const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                        "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

std::string render_svg(const LinePlot& plot, bool standalone) {
  check(plot);
  Range xr, yr;
  for (const auto& s : plot.series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
      xr.add(plot.log_x ? std::log10(s.x[i]) : s.x[i]);
      yr.add(s.y[i]);
      if (!s.lo.empty()) yr.add(s.lo[i]), yr.add(s.hi[i]);
    }
  if (xr.empty()) throw std::invalid_argument("plot '" + plot.title + "' has no finite point");
  for (const auto& r : plot.references) yr.add(r.y);
  const Axis xa = plot.log_x ? log_axis(xr) : linear_axis(xr, true);
  Axis ya = linear_axis(yr, false);

  const double W = plot.width, H = plot.height;
  const double left = 72, right = W - 220, top = 48, bottom = H - 62;
  const auto px = [&](double v) { return left + (xa.to_unit(v) - xa.lo) / (xa.hi - xa.lo) * (right - left); };
  const auto pxu = [&](double u) { return left + (u - xa.lo) / (xa.hi - xa.lo) * (right - left); };
  const auto py = [&](double v) { return bottom - (v - ya.lo) / (ya.hi - ya.lo) * (bottom - top); };

  std::string o;
  if (standalone) o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg";
  if (standalone) o += " xmlns=\"http://www.w3.org/2000/svg\"";
  o += " width=\"" + num(W) + "\" height=\"" + num(H) + "\" viewBox=\"0 0 " + num(W) + " " + num(H) +
       "\" font-family=\"" + kFont + "\" font-size=\"13\" role=\"img\">\n";
  o += "<title>" + escape_xml(plot.title) + "</title>\n";
  o += "<rect x=\"0\" y=\"0\" width=\"" + num(W) + "\" height=\"" + num(H) + "\" fill=\"#ffffff\"/>\n";
  o += "<text x=\"" + num((left + right) / 2) +
       "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
       "font-weight=\"bold\">" +
       escape_xml(plot.title) + "</text>\n";

  // Grid and ticks.
  o += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t : ya.ticks)
    o += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(right) + "\" y2=\"" +
         num(py(t)) + "\"/>\n";
  for (double t : xa.ticks)
    if (t >= xa.lo - 1e-9 && t <= xa.hi + 1e-9)
      o += "<line x1=\"" + num(pxu(t)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(pxu(t)) + "\" y2=\"" +
           num(bottom) + "\"/>\n";
  o += "</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n";
  o += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) + "\" height=\"" +
       num(bottom - top) + "\" fill=\"none\"/>\n";
  for (double t : xa.ticks)
    if (t >= xa.lo - 1e-9 && t <= xa.hi + 1e-9)
      o += "<line x1=\"" + num(pxu(t)) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(pxu(t)) + "\" y2=\"" +
           num(bottom + 6) + "\"/>\n";
  for (double t : xa.minor)
    if (t >= xa.lo && t <= xa.hi)
      o += "<line x1=\"" + num(pxu(t)) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(pxu(t)) + "\" y2=\"" +
           num(bottom + 3) + "\"/>\n";
  for (double t : ya.ticks)
    o += "<line x1=\"" + num(left - 6) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(left) + "\" y2=\"" +
         num(py(t)) + "\"/>\n";
  o += "</g>\n<g class=\"tick-labels\" fill=\"#222222\">\n";
  for (double t : xa.ticks)
    if (t >= xa.lo - 1e-9 && t <= xa.hi + 1e-9)
      o += "<text x=\"" + num(pxu(t)) + "\" y=\"" + num(bottom + 22) + "\" text-anchor=\"middle\">" +
           escape_xml(xa.label(t)) + "</text>\n";
  for (double t : ya.ticks)
    o += "<text x=\"" + num(left - 10) + "\" y=\"" + num(py(t) + 4.5) + "\" text-anchor=\"end\">" +
         escape_xml(ya.label(t)) + "</text>\n";
  o += "</g>\n";
  o += "<text class=\"x-label\" x=\"" + num((left + right) / 2) + "\" y=\"" + num(H - 16) +
       "\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(plot.x_label) + "</text>\n";
  o += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(20 " + num((top + bottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(plot.y_label) + "</text>\n";

  // Bands first, so lines and markers stay on top.
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    if (s.lo.empty()) continue;
    std::size_t i = 0;
    while (i < s.x.size()) {  // one polygon per run of points with a defined band
      const auto ok = [&](std::size_t k) { return std::isfinite(s.lo[k]) && std::isfinite(s.hi[k]); };
      if (!ok(i)) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < s.x.size() && ok(j)) ++j;
      std::string d;
      for (std::size_t k = i; k < j; ++k)
        d += (k == i ? "M" : " L") + num(px(s.x[k])) + " " + num(py(s.hi[k]));
      for (std::size_t k = j; k-- > i;) d += " L" + num(px(s.x[k])) + " " + num(py(s.lo[k]));
      // A single point's band is a vertical bar; give it a little width so it shows.
      if (j - i == 1) {
        const double x = px(s.x[i]);
        d = "M" + num(x - 3) + " " + num(py(s.hi[i])) + " L" + num(x + 3) + " " + num(py(s.hi[i])) + " L" +
            num(x + 3) + " " + num(py(s.lo[i])) + " L" + num(x - 3) + " " + num(py(s.lo[i]));
      }
      o += "<path class=\"band\" data-series=\"" + escape_xml(s.name) + "\" d=\"" + d + " Z\" fill=\"" +
           series_color(si) + "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
      i = j;
    }
  }
  for (const auto& r : plot.references) {
    const std::string color = r.series >= 0 ? series_color(static_cast<std::size_t>(r.series)) : "#777777";
    o += "<line class=\"reference\" x1=\"" + num(left) + "\" y1=\"" + num(py(r.y)) + "\" x2=\"" + num(right) +
         "\" y2=\"" + num(py(r.y)) + "\" stroke=\"" + color +
         "\" stroke-width=\"1.5\" stroke-dasharray=\"7 5\"><title>" + escape_xml(r.name) +
         "</title></line>\n";
  }
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    std::string d;
    bool pen_down = false;  // a non-finite y breaks the line
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      d += std::string(d.empty() ? "" : " ") + (pen_down ? "L" : "M") + num(px(s.x[i])) + " " +
           num(py(s.y[i]));
      pen_down = true;
    }
    const std::string color = series_color(si);
    o += "<path class=\"series\" data-series=\"" + escape_xml(s.name) + "\" d=\"" + d +
         "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n";
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      std::string tip = s.name + ": x = " + format_general(s.x[i]) + ", y = " + format_fixed(s.y[i], 2);
      if (!s.lo.empty() && std::isfinite(s.lo[i]))
        tip += " [" + format_fixed(s.lo[i], 2) + ", " + format_fixed(s.hi[i], 2) + "]";
      o += "<circle class=\"marker\" cx=\"" + num(px(s.x[i])) + "\" cy=\"" + num(py(s.y[i])) +
           "\" r=\"4\" fill=\"" + color + "\" stroke=\"#ffffff\" stroke-width=\"1\"><title>" +
           escape_xml(tip) + "</title></circle>\n";
    }
  }

  // Legend, right of the plot so it never hides data.
  const double lx = right + 18;
  double ly = top + 8;
  o += "<g class=\"legend\">\n";
  for (std::size_t si = 0; si < plot.series.size(); ++si, ly += 22) {
    const std::string color = series_color(si);
    o += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 28) + "\" y2=\"" + num(ly) +
         "\" stroke=\"" + color + "\" stroke-width=\"2.2\"/><circle cx=\"" + num(lx + 14) + "\" cy=\"" +
         num(ly) + "\" r=\"4\" fill=\"" + color + "\"/><text x=\"" + num(lx + 36) + "\" y=\"" +
         num(ly + 4.5) + "\">" + escape_xml(plot.series[si].name) + "</text>\n";
  }
  const bool any_band =
      std::any_of(plot.series.begin(), plot.series.end(), [](const auto& s) { return !s.lo.empty(); });
  if (any_band) {
    o += "<rect x=\"" + num(lx) + "\" y=\"" + num(ly - 7) +
         "\" width=\"28\" height=\"14\" fill=\"#777777\" "
         "fill-opacity=\"0.25\"/><text x=\"" +
         num(lx + 36) + "\" y=\"" + num(ly + 4.5) + "\">" + escape_xml(plot.band_legend) + "</text>\n";
    ly += 22;
  }
  if (!plot.references.empty())
    o += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 28) + "\" y2=\"" + num(ly) +
         "\" stroke=\"#777777\" stroke-width=\"1.5\" stroke-dasharray=\"7 5\"/><text x=\"" + num(lx + 36) +
         "\" y=\"" + num(ly + 4.5) + "\">" + escape_xml(plot.reference_legend) + "</text>\n";
  o += "</g>\n</svg>\n";
  return o;
}

}  // namespace flipguard::report
