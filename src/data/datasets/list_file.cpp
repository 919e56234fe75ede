#include "data/datasets/list_file.hpp"

#include <algorithm>
#include <system_error>

#include "data/data_error.hpp"
#include "data/datasets/image_files.hpp"
#include "data/datasets/jpeg_list_dataset.hpp"
#include "data/file_io.hpp"
#include "data/text/text_lines.hpp"

namespace flipguard::data {

namespace {

// Whether `s` is written as a number of any kind (12, -3, 0.0, 1e3, .5): such a label is data, never a
// header's column name, even where it is no valid label (then the line is an error, not silently dropped).
bool looks_numeric(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, digits = 0;
  for (; i < s.size() && digit(s[i]); ++i) ++digits;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && digit(s[i]); ++i) ++digits;
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const std::size_t exponent = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == exponent) return false;
  }
  return i == s.size();
}

}  // namespace

std::unique_ptr<Dataset> open_list_file(const std::filesystem::path& list, const std::string& name,
                                        int model_classes, BadImages bad_images) {
  const std::string text = read_text_file(list);
  const std::filesystem::path base = list.parent_path();
  std::vector<LabelledFile> files;
  int max_label = -1;
  bool first = true;
  for (const TextLine& line : non_blank_lines(text)) {
    const std::string where = list.string() + ":" + std::to_string(line.number);
    if (line.text.front() == '#') continue;
    // The label follows the last comma, else the last blank.
    std::size_t sep = line.text.rfind(',');
    if (sep == std::string_view::npos) sep = line.text.find_last_of(" \t");
    if (sep == std::string_view::npos)
      throw DataError(where + ": expected 'PATH,LABEL' or 'PATH LABEL', got '" + std::string(line.text) +
                      "'");
    const std::string_view rel = trim(line.text.substr(0, sep));
    const std::string_view label_text = trim(line.text.substr(sep + 1));
    // Only a first line whose label is no number at all ("label", "class") is a header.
    const bool header = first && !looks_numeric(label_text);
    first = false;
    if (header) continue;
    if (rel.empty()) throw DataError(where + ": empty image path");
    if (label_text.find_first_of(".eE") != std::string_view::npos && looks_numeric(label_text))
      throw DataError(where + ": label '" + std::string(label_text) +
                      "' is not an integer; labels are class indices 0, 1, ...");
    const int label = parse_int_field(label_text, where, "label");
    if (label < 0) throw DataError(where + ": label " + std::to_string(label) + " is negative");
    if (model_classes > 0 && label >= model_classes)
      throw DataError(where + ": label " + std::to_string(label) + " is outside the model's " +
                      std::to_string(model_classes) + " classes [0, " + std::to_string(model_classes - 1) +
                      "]");
    std::filesystem::path path = std::filesystem::path(rel);
    if (path.is_relative()) path = base / path;
    path = path.lexically_normal();
    if (!is_jpeg_name(path))
      throw DataError(where + ": " + path.string() + " is not a JPEG file name (.jpg, .jpeg)");
    std::error_code ec;
    if (bad_images == BadImages::kFail && !std::filesystem::is_regular_file(path, ec))
      throw DataError(where + ": image file " + path.string() +
                      (std::filesystem::exists(path, ec) ? " is not a regular file" : " does not exist"));
    max_label = std::max(max_label, label);
    files.push_back({std::move(path), label});
  }
  if (files.empty()) throw DataError(list.string() + ": lists no images");
  return std::make_unique<JpegListDataset>(name, std::move(files), max_label + 1);
}

}  // namespace flipguard::data
