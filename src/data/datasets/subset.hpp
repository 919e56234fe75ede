// Which images of a dataset an evaluation uses when it does not use them all.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "data/datasets/dataset.hpp"

namespace flipguard::data {

enum class SubsetMode {
  kFirst,       // images 0..limit-1
  kStratified,  // round robin over classes: the k-th image of every class before any (k+1)-th
};

struct Subset {
  std::size_t limit = 0;  // 0: the whole dataset
  SubsetMode mode = SubsetMode::kStratified;
  // The first `skip` images of the mode's order are left out: the images that follow an evaluated subset of
  // `skip`, disjoint from it (calibration images).
  std::size_t skip = 0;
};

// Dataset indices of the subset, ascending. Stratified takes, for k = 0, 1, ..., the k-th image (in dataset
// order) of each class in label order until `limit` are chosen, so class counts differ by at most one where
// classes have enough images. Deterministic; it matters for datasets stored class by class (cifar10-jpeg),
// where the first N images would all be airplanes.
// Without labels (num_classes 0) the subset is the first `limit` images. With `skip`, the images the same
// order takes after its first `skip` (fewer, or none, when the dataset runs out).
std::vector<std::size_t> select_subset(const Dataset& data, const Subset& subset);
// The same over a list of labels (each in [0, num_classes), or all -1 with num_classes 0).
std::vector<std::size_t> select_subset(std::span<const int> labels, int num_classes, const Subset& subset);

}  // namespace flipguard::data
