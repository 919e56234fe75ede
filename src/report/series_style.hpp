// How the figures tell series apart without relying on colour alone: each series index has a colour (a
// colour-blind-friendly palette), a dash pattern and a marker shape, all cycled independently of each other
// so that two series never share all three.
#pragma once

#include <cstddef>
#include <string>

namespace flipguard::report {

enum class MarkerShape { circle, square, triangle, diamond, triangle_down, plus, cross };

std::string series_color(std::size_t i);   // Okabe-Ito, 8 colours
std::string series_dash(std::size_t i);    // stroke-dasharray value, "" for a solid line; 6 patterns
MarkerShape series_marker(std::size_t i);  // 7 shapes

// A marker of about `size` pixels across centred at (x, y), as one SVG element without its closing '>' part:
// the caller appends attributes (fill, class, ...) and then "/>" or a <title> child.
// E.g. "<circle cx=\"10.00\" cy=\"5.00\" r=\"4.00\"" or "<path d=\"M...Z\"".
std::string marker_element(MarkerShape shape, double x, double y, double size);
// The element's closing tag when it gets children (e.g. "</circle>").
std::string marker_end_tag(MarkerShape shape);

}  // namespace flipguard::report
