#include "report/latex_table.hpp"

#include <cctype>

namespace flipguard::report {

std::string escape_latex(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // UTF-8 spellings of the characters the report writes: en dash, em dash, minus, ellipsis.
    const auto utf8 = [&](const char* seq, const char* latex) {
      const std::string s = seq;
      if (text.compare(i, s.size(), s) != 0) return false;
      out += latex;
      i += s.size() - 1;
      return true;
    };
    if (utf8("\u2013", "--") || utf8("\u2014", "---") || utf8("\u2212", "$-$") || utf8("\u2026", "\\ldots{}"))
      continue;
    const char before = i > 0 ? text[i - 1] : ' ';
    const bool word_start = before == ' ' || before == '(' || before == '[';
    switch (c) {
      case '"':  // typographic quotes: opening at the start of a word, closing elsewhere
        out += word_start ? "``" : "''";
        break;
      case '-':  // a negative number gets a minus sign, a hyphen stays one
        out += word_start && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))
                   ? "$-$"
                   : "-";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '{':
      case '}':
      case '$':
      case '&':
      case '#':
      case '_':
      case '%':
        out += '\\';
        out += c;
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string to_latex(const Table& table, const std::string& caption, const std::string& label) {
  std::string safe_label;
  for (unsigned char c : label)
    safe_label += std::isalnum(c) || c == ':' || c == '.' || c == '-' ? char(c) : '-';
  std::string spec = "l";
  for (std::size_t i = 1; i < table.header.size(); ++i) spec += 'r';
  const auto row = [](const std::vector<std::string>& cells) {
    std::string r;
    for (std::size_t i = 0; i < cells.size(); ++i) r += (i ? " & " : "") + escape_latex(cells[i]);
    return r + " \\\\\n";
  };
  std::string o = "\\begin{table}[htbp]\n\\centering\n\\caption{" + escape_latex(caption) + "}\n\\label{" +
                  safe_label + "}\n\\begin{tabular}{" + spec + "}\n\\toprule\n" + row(table.header) +
                  "\\midrule\n";
  for (const auto& r : table.rows) o += row(r);
  return o + "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
}

}  // namespace flipguard::report
