// A small well-formedness checker for the SVG the report writes: matched and properly nested tags,
// quoted attributes, no stray '<' or '&' in text, a single root. Returns "" if well-formed, else the
// problem and its offset.
#pragma once

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace flipguard::test {

inline std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return " at offset " + std::to_string(k); };
  while (i < s.size()) {
    if (s[i] == '&') {  // an entity: &name; or &#123;
      const auto semi = s.find(';', i);
      if (semi == std::string::npos || semi - i > 10 || semi == i + 1) return "bad entity" + at(i);
      for (std::size_t k = i + 1; k < semi; ++k)
        if (!std::isalnum(static_cast<unsigned char>(s[k])) && s[k] != '#') return "bad entity" + at(i);
      i = semi + 1;
      continue;
    }
    if (s[i] == '>') return "stray '>'" + at(i);
    if (s[i] != '<') {
      if (stack.empty() && !std::isspace(static_cast<unsigned char>(s[i])))
        return "text outside the root" + at(i);
      ++i;
      continue;
    }
    if (s.compare(i, 5, "<?xml") == 0) {
      if (i != 0) return "XML declaration not at the start" + at(i);
      const auto end = s.find("?>", i);
      if (end == std::string::npos) return "unterminated declaration";
      i = end + 2;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const auto end = s.find("-->", i);
      if (end == std::string::npos) return "unterminated comment" + at(i);
      i = end + 3;
      continue;
    }
    const bool closing = i + 1 < s.size() && s[i + 1] == '/';
    std::size_t k = i + (closing ? 2 : 1);
    const std::size_t name_start = k;
    while (k < s.size() &&
           (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '-' || s[k] == ':' || s[k] == '_'))
      ++k;
    const std::string name = s.substr(name_start, k - name_start);
    if (name.empty()) return "tag without a name" + at(i);
    bool self_closing = false;
    // Attributes: name="value" or name='value'.
    while (true) {
      while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
      if (k >= s.size()) return "unterminated tag <" + name + at(i);
      if (s[k] == '>') break;
      if (s[k] == '/' && k + 1 < s.size() && s[k + 1] == '>') {
        self_closing = true;
        ++k;
        break;
      }
      if (closing) return "attributes in a closing tag" + at(k);
      const std::size_t an = k;
      while (k < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '-' || s[k] == ':' || s[k] == '_'))
        ++k;
      if (k == an || k >= s.size() || s[k] != '=') return "bad attribute in <" + name + ">" + at(an);
      ++k;
      if (k >= s.size() || (s[k] != '"' && s[k] != '\''))
        return "unquoted attribute in <" + name + ">" + at(k);
      const auto end = s.find(s[k], k + 1);
      if (end == std::string::npos) return "unterminated attribute" + at(k);
      if (s.substr(k + 1, end - k - 1).find('<') != std::string::npos) return "'<' in an attribute" + at(k);
      k = end + 1;
    }
    if (closing) {
      if (stack.empty() || stack.back() != name) return "</" + name + "> does not close the open tag" + at(i);
      stack.pop_back();
    } else if (!self_closing) {
      if (stack.empty() && ++roots > 1) return "more than one root element" + at(i);
      stack.push_back(name);
    } else if (stack.empty() && ++roots > 1) {
      return "more than one root element" + at(i);
    }
    i = k + 1;
  }
  if (!stack.empty()) return "<" + stack.back() + "> is never closed";
  if (roots == 0) return "no root element";
  return "";
}

// The first coordinate of an element that lies outside the SVG's viewBox "0 0 W H" (attributes x, y, x1,
// y1, x2, y2, cx, cy, the far corner of a rect, and every point of a path made of M, L, H, V, h, v and Z),
// or "" if none does. Transformed elements are checked at their own coordinates.
inline std::string outside_viewbox(const std::string& svg) {
  const auto vb = svg.find("viewBox=\"");
  if (vb == std::string::npos) return "no viewBox";
  double x0 = 0, y0 = 0, w = 0, h = 0;
  if (std::sscanf(svg.c_str() + vb + 9, "%lf %lf %lf %lf", &x0, &y0, &w, &h) != 4) return "bad viewBox";
  const auto attr = [](const std::string& tag, const std::string& name, double& v) {
    const auto p = tag.find(" " + name + "=\"");
    if (p == std::string::npos) return false;
    v = std::atof(tag.c_str() + p + name.size() + 3);
    return true;
  };
  const double eps = 0.01;
  const auto in_x = [&](double v) { return v >= x0 - eps && v <= x0 + w + eps; };
  const auto in_y = [&](double v) { return v >= y0 - eps && v <= y0 + h + eps; };
  for (auto p = svg.find('<', vb); p != std::string::npos; p = svg.find('<', p + 1)) {
    const std::string tag = svg.substr(p, svg.find('>', p) - p + 1);
    if (tag.rfind("<svg", 0) == 0 || tag[1] == '/') continue;
    double v = 0, extent = 0;
    for (const char* a : {"x", "x1", "x2", "cx"})
      if (attr(tag, a, v) && !in_x(v)) return std::string(a) + " outside in " + tag;
    for (const char* a : {"y", "y1", "y2", "cy"})
      if (attr(tag, a, v) && !in_y(v)) return std::string(a) + " outside in " + tag;
    if (tag.rfind("<rect", 0) == 0 && attr(tag, "x", v) && attr(tag, "width", extent) && !in_x(v + extent))
      return "rect wider than the viewBox: " + tag;
    if (tag.rfind("<rect", 0) == 0 && attr(tag, "y", v) && attr(tag, "height", extent) && !in_y(v + extent))
      return "rect taller than the viewBox: " + tag;
    const auto d = tag.find(" d=\"");
    if (d == std::string::npos) continue;
    const std::string path = tag.substr(d + 4, tag.find('"', d + 4) - d - 4);
    double cx = 0, cy = 0;
    const char* s = path.c_str();
    char cmd = 'M';
    while (*s) {
      if (std::isalpha(static_cast<unsigned char>(*s))) {
        cmd = *s++;
        if (cmd == 'Z' || cmd == 'z') continue;
      }
      while (*s == ' ' || *s == ',') ++s;
      if (!*s || std::isalpha(static_cast<unsigned char>(*s))) continue;
      char* end = nullptr;
      const double a = std::strtod(s, &end);
      if (end == s) return "unreadable path " + path;
      s = end;
      if (cmd == 'M' || cmd == 'L') {
        while (*s == ' ' || *s == ',') ++s;
        const double b = std::strtod(s, &end);
        s = end;
        cx = a, cy = b;
      } else if (cmd == 'H') {
        cx = a;
      } else if (cmd == 'V') {
        cy = a;
      } else if (cmd == 'h') {
        cx += a;
      } else if (cmd == 'v') {
        cy += a;
      } else {
        return std::string("path command ") + cmd + " not understood in " + path;
      }
      if (!in_x(cx) || !in_y(cy))
        return "path point (" + std::to_string(cx) + ", " + std::to_string(cy) + ") outside in " + tag;
    }
  }
  return "";
}

inline std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace flipguard::test
