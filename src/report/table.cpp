#include "report/table.hpp"

#include <stdexcept>

#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

void check_shape(const Table& t) {
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    if (t.rows[i].size() != t.header.size())
      throw std::invalid_argument("table row " + std::to_string(i) + " has " +
                                  std::to_string(t.rows[i].size()) + " cells for " +
                                  std::to_string(t.header.size()) + " columns");
}

// A '|' inside a cell would split it into two Markdown columns.
std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string markdown_row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const auto& c : cells) line += " " + markdown_cell(c) + " |";
  return line + "\n";
}

}  // namespace

std::string to_markdown(const Table& t) {
  check_shape(t);
  std::string out = markdown_row(t.header);
  out += "|";
  for (std::size_t i = 0; i < t.header.size(); ++i) out += i == 0 ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& r : t.rows) out += markdown_row(r);
  return out;
}

std::string to_html(const Table& t) {
  check_shape(t);
  std::string out = "<table>\n<thead><tr>";
  for (const auto& h : t.header) out += "<th>" + escape_xml(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : t.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < r.size(); ++i)
      out += (i == 0 ? "<th scope=\"row\">" : "<td>") + escape_xml(r[i]) + (i == 0 ? "</th>" : "</td>");
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

}  // namespace flipguard::report
