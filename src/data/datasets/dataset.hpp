// An image dataset: a fixed list of (image source, label), images decoded on demand. A dataset without
// labels (a folder of images) has label -1 everywhere and num_classes() 0; it is scored against the
// fault-free model's outputs only (metrics/sdc.hpp).
#pragma once

#include <cstddef>
#include <string>

#include "data/image.hpp"

namespace flipguard::data {

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual std::string name() const = 0;
  virtual std::size_t size() const = 0;
  virtual int num_classes() const = 0;

  bool labelled() const { return num_classes() > 0; }

  // Dataset label of image `index`, in [0, num_classes()); -1 when the dataset has no labels.
  virtual int label(std::size_t index) const = 0;

  // Where image `index` comes from (a file path, or "file[record]"), for messages.
  virtual std::string source(std::size_t index) const = 0;

  // Decodes image `index`: 3-channel RGB, or 1-channel grey for grey datasets. Safe to call from several
  // threads at once; throws DataError naming the source when the image is missing or damaged.
  virtual Image load(std::size_t index) const = 0;
};

}  // namespace flipguard::data
