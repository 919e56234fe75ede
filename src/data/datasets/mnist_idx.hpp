// MNIST in the IDX format (gzip-compressed): the whole set is small (7.8 MB), so it is held in memory and
// "decoding" an image is a copy of its 28x28 bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "data/datasets/dataset.hpp"

namespace flipguard::data {

class MnistDataset final : public Dataset {
 public:
  // Throws DataError naming the file for a bad magic number, truncated data or mismatched counts.
  MnistDataset(std::string name, const std::filesystem::path& images_gz,
               const std::filesystem::path& labels_gz);
  // From IDX bytes already decompressed; the paths only name the data in messages.
  MnistDataset(std::string name, std::vector<std::uint8_t> images, const std::filesystem::path& images_source,
               std::vector<std::uint8_t> labels, const std::filesystem::path& labels_source);

  std::string name() const override { return name_; }
  std::size_t size() const override { return labels_.size(); }
  int num_classes() const override { return 10; }
  int label(std::size_t index) const override { return labels_.at(index); }
  std::string source(std::size_t index) const override;
  Image load(std::size_t index) const override;

 private:
  std::string name_;
  std::filesystem::path images_path_;
  int rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> pixels_;  // all images back to back
  std::vector<std::uint8_t> labels_;
};

// `dir`/t10k-images-idx3-ubyte.gz and `dir`/t10k-labels-idx1-ubyte.gz.
std::unique_ptr<Dataset> open_mnist_test(const std::filesystem::path& dir, const std::string& name);

}  // namespace flipguard::data
