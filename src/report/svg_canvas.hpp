// Small building blocks shared by the report's hand-made SVG figures (line plots, strip plots, heatmaps):
// coordinates as short fixed-point text, the document's opening and closing, and round tick steps.
#pragma once

#include <string>

namespace flipguard::report {

inline constexpr const char* kSvgFont = "DejaVu Sans, Helvetica, Arial, sans-serif";

// A coordinate or length with two decimals ("12.50").
std::string num(double v);
// The <svg> start tag with a white background and the <title>. standalone: with the XML declaration and the
// SVG namespace, as a file; otherwise an inline element for HTML (which needs neither).
std::string svg_open(double width, double height, const std::string& title, bool standalone);
// A text element at (x, y); `attributes` are added as given (e.g. "text-anchor=\"end\"").
std::string svg_text(double x, double y, const std::string& text, const std::string& attributes = "");
// A round tick step of 1, 2, 2.5 or 5 times a power of ten giving about `count` intervals over `span`.
double nice_step(double span, int count);
// Rough width in pixels of `text` at `font_size` (legend and label layout; no font metrics at hand).
double text_width(const std::string& text, double font_size);

}  // namespace flipguard::report
