#include "data/datasets/jpeg_list_dataset.hpp"

#include <stdexcept>

#include "data/codecs/jpeg_decoder.hpp"

namespace flipguard::data {

JpegListDataset::JpegListDataset(std::string name, std::vector<LabelledFile> files, int num_classes)
    : name_(std::move(name)), files_(std::move(files)), num_classes_(num_classes) {
  for (const LabelledFile& f : files_)
    if (num_classes_ == 0 ? f.label != -1 : f.label < 0 || f.label >= num_classes_)
      throw std::invalid_argument(name_ + ": label " + std::to_string(f.label) + " of " + f.path.string() +
                                  " outside [0, " + std::to_string(num_classes_) + ")");
}

Image JpegListDataset::load(std::size_t index) const {
  return read_jpeg(files_.at(index).path, PixelFormat::kRGB);
}

}  // namespace flipguard::data
