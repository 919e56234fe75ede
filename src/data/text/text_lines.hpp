// Line-oriented parsing helpers for label files, so every reader reports "file:line: problem" alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flipguard::data {

struct TextLine {
  int number = 0;         // 1-based
  std::string_view text;  // without the line break (\n or \r\n) and without surrounding blanks
};

// The non-blank lines of `text`.
std::vector<TextLine> non_blank_lines(std::string_view text);

std::string_view trim(std::string_view s);

// Splits on `sep`, trimming each field.
std::vector<std::string_view> split_fields(std::string_view line, char sep);

// Parses a whole field as a decimal integer; throws DataError "<where>: <what> '<field>' is not an integer".
int parse_int_field(std::string_view field, const std::string& where, const char* what);

}  // namespace flipguard::data
