#include "data/datasets/raw_image_dataset.hpp"

#include <algorithm>

#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "data/text/text_lines.hpp"

namespace flipguard::data {

RawImageDataset::RawImageDataset(std::string name, std::vector<LabelledFile> files, int num_classes,
                                 int height, int width, int channels, BadImages bad_images)
    : name_(std::move(name)),
      files_(std::move(files)),
      num_classes_(num_classes),
      height_(height),
      width_(width),
      channels_(channels) {
  for (const LabelledFile& f : files_) {
    if (f.label < 0 || f.label >= num_classes_)
      throw DataError(f.path.string() + ": label " + std::to_string(f.label) + " outside [0, " +
                      std::to_string(num_classes_) + ")");
    if (bad_images == BadImages::kSkip) continue;
    if (!std::filesystem::is_regular_file(f.path)) throw DataError(f.path.string() + ": file does not exist");
    const auto bytes = std::filesystem::file_size(f.path);
    if (bytes != expected_bytes())
      throw DataError(f.path.string() + ": raw image has " + std::to_string(bytes) + " bytes, expected " +
                      std::to_string(expected_bytes()) + " (" + std::to_string(height_) + "x" +
                      std::to_string(width_) + "x" + std::to_string(channels_) + " uint8)");
  }
}

Image RawImageDataset::load(std::size_t index) const {
  const LabelledFile& f = files_.at(index);
  std::vector<std::uint8_t> bytes = read_file_bytes(f.path);
  if (bytes.size() != expected_bytes())
    throw DataError(f.path.string() + ": raw image has " + std::to_string(bytes.size()) +
                    " bytes, expected " + std::to_string(expected_bytes()));
  Image img;
  img.height = height_;
  img.width = width_;
  img.channels = channels_;
  img.pixels = std::move(bytes);
  return img;
}

std::unique_ptr<Dataset> open_cifar10_raw(const std::filesystem::path& dir, const std::string& name,
                                          BadImages bad_images) {
  constexpr int kClasses = 10;
  const std::filesystem::path csv = dir / "y_labels.csv";
  const std::string text = read_text_file(csv);
  std::vector<LabelledFile> files;
  for (const TextLine& line : non_blank_lines(text)) {
    const std::string where = csv.string() + ":" + std::to_string(line.number);
    const std::vector<std::string_view> fields = split_fields(line.text, ',');
    if (fields.size() != 3 || fields[0].empty())
      throw DataError(where + ": expected 'FILE,10,LABEL', got '" + std::string(line.text) + "'");
    const int classes = parse_int_field(fields[1], where, "class count");
    if (classes != kClasses)
      throw DataError(where + ": class count " + std::to_string(classes) + ", expected 10 for CIFAR-10");
    const int label = parse_int_field(fields[2], where, "label");
    if (label < 0 || label >= kClasses)
      throw DataError(where + ": label " + std::to_string(label) + " outside [0, 9]");
    const std::filesystem::path path = dir / std::string(fields[0]);
    if (bad_images == BadImages::kFail && !std::filesystem::is_regular_file(path))
      throw DataError(where + ": image file " + path.string() + " does not exist");
    // Checked here too so the message names the list line, not only the image (under kSkip, load() reports
    // it and the image is left out).
    if (const auto bytes = bad_images == BadImages::kFail ? std::filesystem::file_size(path) : 32 * 32 * 3;
        bytes != 32 * 32 * 3)
      throw DataError(where + ": " + path.string() + ": raw image has " + std::to_string(bytes) +
                      " bytes, expected 3072 (32x32x3 uint8)");
    files.push_back({path, label});
  }
  if (files.empty()) throw DataError(csv.string() + ": lists no images");
  return std::make_unique<RawImageDataset>(name, std::move(files), kClasses, 32, 32, 3, bad_images);
}

}  // namespace flipguard::data
