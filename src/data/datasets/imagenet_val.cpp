#include "data/datasets/imagenet_val.hpp"

#include "data/data_error.hpp"
#include "data/datasets/jpeg_list_dataset.hpp"
#include "data/file_io.hpp"
#include "data/text/text_lines.hpp"

namespace flipguard::data {

std::unique_ptr<Dataset> open_imagenet_list(const std::filesystem::path& dir, const std::string& name,
                                            BadImages bad_images) {
  constexpr int kClasses = 1000;
  const std::filesystem::path list = dir / "dataset.txt";
  const std::string text = read_text_file(list);
  std::vector<LabelledFile> files;
  for (const TextLine& line : non_blank_lines(text)) {
    const std::string where = list.string() + ":" + std::to_string(line.number);
    // The label follows the last comma, so file names containing commas still parse.
    const std::size_t comma = line.text.rfind(',');
    if (comma == std::string_view::npos)
      throw DataError(where + ": expected 'PATH, LABEL', got '" + std::string(line.text) + "'");
    const std::string_view rel = trim(line.text.substr(0, comma));
    if (rel.empty()) throw DataError(where + ": empty image path");
    const int label = parse_int_field(trim(line.text.substr(comma + 1)), where, "label");
    if (label < 0 || label >= kClasses)
      throw DataError(where + ": label " + std::to_string(label) + " outside [0, 999]");
    std::filesystem::path path = dir / std::filesystem::path(rel).lexically_normal();
    if (bad_images == BadImages::kFail && !std::filesystem::is_regular_file(path))
      throw DataError(where + ": image file " + path.string() + " does not exist");
    files.push_back({std::move(path), label});
  }
  if (files.empty()) throw DataError(list.string() + ": lists no images");
  return std::make_unique<JpegListDataset>(name, std::move(files), kClasses);
}

}  // namespace flipguard::data
