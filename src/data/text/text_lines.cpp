#include "data/text/text_lines.hpp"

#include <charconv>

#include "data/data_error.hpp"

namespace flipguard::data {

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<TextLine> non_blank_lines(std::string_view text) {
  std::vector<TextLine> lines;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    if (!line.empty()) lines.push_back({number, line});
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t pos = line.find(sep);
    fields.push_back(trim(line.substr(0, pos)));
    if (pos == std::string_view::npos) break;
    line.remove_prefix(pos + 1);
  }
  return fields;
}

int parse_int_field(std::string_view field, const std::string& where, const char* what) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc() || ptr != field.data() + field.size())
    throw DataError(where + ": " + what + " '" + std::string(field) + "' is not an integer");
  return value;
}

}  // namespace flipguard::data
