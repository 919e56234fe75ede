// A plain table (header row + text cells) rendered to Markdown or HTML, so summary.md and report.html
// show the same numbers from one construction.
#pragma once

#include <string>
#include <vector>

namespace flipguard::report {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
};

std::string to_markdown(const Table& table);
std::string to_html(const Table& table);  // cells are escaped

}  // namespace flipguard::report
