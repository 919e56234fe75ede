#include "report/svg_canvas.hpp"

#include <cmath>
#include <cstdio>

#include "report/text_format.hpp"

namespace flipguard::report {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::fabs(v) < 0.005 ? 0.0 : v);
  return buf;
}

std::string svg_open(double width, double height, const std::string& title, bool standalone) {
  std::string o;
  if (standalone) o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg";
  if (standalone) o += " xmlns=\"http://www.w3.org/2000/svg\"";
  o += " width=\"" + num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
       num(height) + "\" font-family=\"" + kSvgFont + "\" font-size=\"13\" role=\"img\">\n";
  o += "<title>" + escape_xml(title) + "</title>\n";
  o += "<rect x=\"0\" y=\"0\" width=\"" + num(width) + "\" height=\"" + num(height) +
       "\" fill=\"#ffffff\"/>\n";
  return o;
}

std::string svg_text(double x, double y, const std::string& text, const std::string& attributes) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (attributes.empty() ? "" : " " + attributes) +
         ">" + escape_xml(text) + "</text>\n";
}

double nice_step(double span, int count) {
  const double raw = span / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

double text_width(const std::string& text, double font_size) {
  // DejaVu Sans averages a little over half the font size per character; count UTF-8 lead bytes only.
  double chars = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) chars += 1;
  return chars * font_size * 0.6;
}

}  // namespace flipguard::report
