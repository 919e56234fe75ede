// A dataset of raw uint8 HWC image files of one fixed size (the cifar10/test-lossless-200 asset).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"
#include "data/datasets/jpeg_list_dataset.hpp"

namespace flipguard::data {

class RawImageDataset final : public Dataset {
 public:
  // Every file must hold exactly height*width*channels bytes: checked on each load, and here too unless
  // bad_images is kSkip (then a bad file is counted out by the loader rather than refusing the dataset).
  RawImageDataset(std::string name, std::vector<LabelledFile> files, int num_classes, int height, int width,
                  int channels, BadImages bad_images = BadImages::kFail);

  std::string name() const override { return name_; }
  std::size_t size() const override { return files_.size(); }
  int num_classes() const override { return num_classes_; }
  int label(std::size_t index) const override { return files_.at(index).label; }
  std::string source(std::size_t index) const override { return files_.at(index).path.string(); }
  Image load(std::size_t index) const override;

 private:
  std::size_t expected_bytes() const { return static_cast<std::size_t>(height_) * width_ * channels_; }

  std::string name_;
  std::vector<LabelledFile> files_;
  int num_classes_, height_, width_, channels_;
};

// `dir`/y_labels.csv lines "FILE,10,LABEL"; each FILE is raw 32x32x3 in `dir`.
std::unique_ptr<Dataset> open_cifar10_raw(const std::filesystem::path& dir, const std::string& name,
                                          BadImages bad_images = BadImages::kFail);

}  // namespace flipguard::data
