// A small well-formedness checker for the SVG the report writes: matched and properly nested tags,
// quoted attributes, no stray '<' or '&' in text, a single root. Returns "" if well-formed, else the
// problem and its offset.
#pragma once

#include <cctype>
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

inline std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace flipguard::test
