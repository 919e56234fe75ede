// A dataset that is a list of JPEG files with labels (or without: num_classes 0, every label -1); images are
// decoded (RGB) on each load.
#pragma once

#include <filesystem>
#include <vector>

#include "data/datasets/dataset.hpp"

namespace flipguard::data {

struct LabelledFile {
  std::filesystem::path path;
  int label = 0;  // -1: unlabelled
};

class JpegListDataset final : public Dataset {
 public:
  JpegListDataset(std::string name, std::vector<LabelledFile> files, int num_classes);

  std::string name() const override { return name_; }
  std::size_t size() const override { return files_.size(); }
  int num_classes() const override { return num_classes_; }
  int label(std::size_t index) const override { return files_.at(index).label; }
  std::string source(std::size_t index) const override { return files_.at(index).path.string(); }
  Image load(std::size_t index) const override;

 private:
  std::string name_;
  std::vector<LabelledFile> files_;
  int num_classes_;
};

}  // namespace flipguard::data
