#include "report/series_style.hpp"

#include "report/svg_canvas.hpp"

namespace flipguard::report {

std::string series_color(std::size_t i) {
  static const char* const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                        "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

std::string series_dash(std::size_t i) {
  // Solid, long dash, dots, dash-dot, short dash, dash-dot-dot: distinct at a glance and at 2 px width.
  static const char* const dashes[] = {"", "10 5", "2.5 3.5", "10 4 2.5 4", "5 4", "10 3 2 3 2 3"};
  return dashes[i % (sizeof dashes / sizeof dashes[0])];
}

MarkerShape series_marker(std::size_t i) {
  static const MarkerShape shapes[] = {
      MarkerShape::circle,        MarkerShape::square, MarkerShape::triangle, MarkerShape::diamond,
      MarkerShape::triangle_down, MarkerShape::plus,   MarkerShape::cross};
  return shapes[i % (sizeof shapes / sizeof shapes[0])];
}

std::string marker_element(MarkerShape shape, double x, double y, double size) {
  const double h = size / 2;
  const auto path = [](const std::string& d) { return "<path d=\"" + d + "\""; };
  switch (shape) {
    case MarkerShape::circle:
      return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(h) + "\"";
    case MarkerShape::square: {
      const double s = h * 0.88;  // squares look larger than circles of the same width
      return path("M" + num(x - s) + " " + num(y - s) + "h" + num(2 * s) + "v" + num(2 * s) + "h" +
                  num(-2 * s) + "Z");
    }
    case MarkerShape::triangle:
      return path("M" + num(x) + " " + num(y - 1.15 * h) + "L" + num(x + 1.1 * h) + " " + num(y + 0.8 * h) +
                  "L" + num(x - 1.1 * h) + " " + num(y + 0.8 * h) + "Z");
    case MarkerShape::triangle_down:
      return path("M" + num(x) + " " + num(y + 1.15 * h) + "L" + num(x + 1.1 * h) + " " + num(y - 0.8 * h) +
                  "L" + num(x - 1.1 * h) + " " + num(y - 0.8 * h) + "Z");
    case MarkerShape::diamond:
      return path("M" + num(x) + " " + num(y - 1.2 * h) + "L" + num(x + 1.2 * h) + " " + num(y) + "L" +
                  num(x) + " " + num(y + 1.2 * h) + "L" + num(x - 1.2 * h) + " " + num(y) + "Z");
    case MarkerShape::plus: {
      const double a = 1.15 * h, b = 0.38 * h;  // arm length and half thickness, as one filled outline
      return path("M" + num(x - b) + " " + num(y - a) + "H" + num(x + b) + "V" + num(y - b) + "H" +
                  num(x + a) + "V" + num(y + b) + "H" + num(x + b) + "V" + num(y + a) + "H" + num(x - b) +
                  "V" + num(y + b) + "H" + num(x - a) + "V" + num(y - b) + "H" + num(x - b) + "Z");
    }
    case MarkerShape::cross: {
      const double a = 0.95 * h, b = 0.3 * h;
      return path("M" + num(x - a) + " " + num(y - a + b) + "L" + num(x - a + b) + " " + num(y - a) + "L" +
                  num(x) + " " + num(y - b) + "L" + num(x + a - b) + " " + num(y - a) + "L" + num(x + a) +
                  " " + num(y - a + b) + "L" + num(x + b) + " " + num(y) + "L" + num(x + a) + " " +
                  num(y + a - b) + "L" + num(x + a - b) + " " + num(y + a) + "L" + num(x) + " " + num(y + b) +
                  "L" + num(x - a + b) + " " + num(y + a) + "L" + num(x - a) + " " + num(y + a - b) + "L" +
                  num(x - b) + " " + num(y) + "Z");
    }
  }
  return "";
}

std::string marker_end_tag(MarkerShape shape) {
  return shape == MarkerShape::circle ? "</circle>" : "</path>";
}

}  // namespace flipguard::report
