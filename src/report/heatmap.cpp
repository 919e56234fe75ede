#include "report/heatmap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "report/svg_canvas.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

constexpr double kCellW = 60, kCellH = 22, kBlockGap = 16;

// Row labels longer than this many characters are shortened in the middle (the tooltip has the full name).
std::string shorten(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  const std::size_t keep = max - 1, head = keep / 2;
  return s.substr(0, head) + "…" + s.substr(s.size() - (keep - head));
}

}  // namespace

std::string viridis(double t) {
  // Ten samples of matplotlib's viridis, interpolated linearly in RGB.
  static constexpr std::array<std::array<int, 3>, 10> stops{{{68, 1, 84},
                                                             {72, 40, 120},
                                                             {62, 73, 137},
                                                             {49, 104, 142},
                                                             {38, 130, 142},
                                                             {31, 158, 137},
                                                             {53, 183, 121},
                                                             {110, 206, 88},
                                                             {181, 222, 43},
                                                             {253, 231, 37}}};
  const double u = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (stops.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(u), stops.size() - 2);
  const double f = u - static_cast<double>(i);
  char buf[8];
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

std::string render_heatmap_svg(const Heatmap& map, bool standalone) {
  for (const auto& b : map.blocks) {
    bool ok = b.values.size() == map.rows.size() && (b.tips.empty() || b.tips.size() == map.rows.size());
    for (std::size_t r = 0; ok && r < b.values.size(); ++r)
      ok = b.values[r].size() == b.columns.size() && (b.tips.empty() || b.tips[r].size() == b.columns.size());
    if (!ok)
      throw std::invalid_argument("heatmap block '" + b.title +
                                  "': values must have one row per label and one "
                                  "entry per column");
  }
  std::size_t longest = 4;
  for (const auto& r : map.rows) longest = std::max(longest, std::min<std::size_t>(r.size(), 34));
  const double left = 16 + static_cast<double>(longest) * 12 * 0.6 + 8;
  const double top = 82;
  double blocks_w = 0;
  for (const auto& b : map.blocks) blocks_w += static_cast<double>(b.columns.size()) * kCellW + kBlockGap;
  const double grid_h = static_cast<double>(map.rows.size()) * kCellH;
  const double bar_x = left + blocks_w + 14, bar_w = 16, bar_h = std::clamp(grid_h, 120.0, 260.0);
  const double W = std::max(
      {bar_x + bar_w + 56, bar_x + text_width(map.scale_label, 12) + 12, text_width(map.title, 16) + 40});
  const double H = top + std::max(grid_h, bar_h) + 44;

  std::string o = svg_open(W, H, map.title, standalone);
  o += svg_text(W / 2, 26, map.title, "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  o +=
      svg_text(left - 8, top - 8, map.row_label, "text-anchor=\"end\" font-weight=\"bold\" font-size=\"12\"");
  double bx = left;
  for (const auto& b : map.blocks) {
    const double bw = static_cast<double>(b.columns.size()) * kCellW;
    o += svg_text(bx + bw / 2, 54, b.title,
                  "class=\"block-title\" text-anchor=\"middle\" font-weight=\"bold\"");
    for (std::size_t c = 0; c < b.columns.size(); ++c)
      o += svg_text(bx + (static_cast<double>(c) + 0.5) * kCellW, top - 8, b.columns[c],
                    "class=\"column-label\" text-anchor=\"middle\" font-size=\"12\"");
    for (std::size_t r = 0; r < map.rows.size(); ++r)
      for (std::size_t c = 0; c < b.columns.size(); ++c) {
        const double v = b.values[r][c], cx = bx + static_cast<double>(c) * kCellW,
                     cy = top + static_cast<double>(r) * kCellH;
        const double t = (v - map.lo) / (map.hi - map.lo);
        const std::string tip = b.tips.empty() ? "" : "<title>" + escape_xml(b.tips[r][c]) + "</title>";
        o += "<rect class=\"heat-cell\" x=\"" + num(cx) + "\" y=\"" + num(cy) + "\" width=\"" + num(kCellW) +
             "\" height=\"" + num(kCellH) + "\" fill=\"" + (std::isfinite(v) ? viridis(t) : "#ffffff") +
             "\" stroke=\"#ffffff\" stroke-width=\"1\">" + tip + "</rect>\n";
        o += svg_text(cx + kCellW / 2, cy + kCellH / 2 + 4, std::isfinite(v) ? format_fixed(v, 1) : "–",
                      std::string("class=\"heat-value\" text-anchor=\"middle\" font-size=\"11\" fill=\"") +
                          (std::isfinite(v) && t < 0.62 ? "#ffffff" : "#111111") + "\"");
      }
    o += "<rect x=\"" + num(bx) + "\" y=\"" + num(top) + "\" width=\"" + num(bw) + "\" height=\"" +
         num(grid_h) + "\" fill=\"none\" stroke=\"#555555\"/>\n";
    bx += bw + kBlockGap;
  }
  if (!map.column_label.empty())
    o += svg_text(left + (blocks_w - kBlockGap) / 2, top + grid_h + 22, map.column_label,
                  "class=\"x-label\" text-anchor=\"middle\" font-size=\"12\" fill=\"#555555\"");
  for (std::size_t r = 0; r < map.rows.size(); ++r)
    o += svg_text(left - 8, top + (static_cast<double>(r) + 0.5) * kCellH + 4, shorten(map.rows[r], 34),
                  "class=\"row-label\" text-anchor=\"end\" font-size=\"12\"");

  // The colour bar: a stack of thin bands, labelled at round values.
  o += "<g class=\"colour-bar\">\n";
  const int bands = 50;
  for (int i = 0; i < bands; ++i) {
    const double y = top + bar_h - (i + 1) * bar_h / bands;
    o += "<rect x=\"" + num(bar_x) + "\" y=\"" + num(y) + "\" width=\"" + num(bar_w) + "\" height=\"" +
         num(bar_h / bands + 0.6) + "\" fill=\"" + viridis((i + 0.5) / bands) + "\"/>\n";
  }
  o += "<rect x=\"" + num(bar_x) + "\" y=\"" + num(top) + "\" width=\"" + num(bar_w) + "\" height=\"" +
       num(bar_h) + "\" fill=\"none\" stroke=\"#555555\"/>\n";
  const double step = nice_step(map.hi - map.lo, 5);
  for (double v = std::ceil(map.lo / step) * step; v <= map.hi + step * 1e-9; v += step) {
    const double y = top + bar_h - (v - map.lo) / (map.hi - map.lo) * bar_h;
    o += "<line x1=\"" + num(bar_x + bar_w) + "\" y1=\"" + num(y) + "\" x2=\"" + num(bar_x + bar_w + 4) +
         "\" y2=\"" + num(y) + "\" stroke=\"#555555\"/>\n" +
         svg_text(bar_x + bar_w + 7, y + 4, format_general(v), "font-size=\"11\"");
  }
  o += svg_text(bar_x, top - 8, map.scale_label, "font-size=\"12\" font-weight=\"bold\"");
  o += "</g>\n</svg>\n";
  return o;
}

}  // namespace flipguard::report
