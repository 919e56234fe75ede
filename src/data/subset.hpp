// Which images of a dataset an evaluation uses when it does not use them all.
#pragma once

#include <cstddef>
#include <vector>

#include "data/dataset.hpp"

namespace flipguard::data {

enum class SubsetMode {
  kFirst,       // images 0..limit-1
  kStratified,  // round robin over classes: the k-th image of every class before any (k+1)-th
};

struct Subset {
  std::size_t limit = 0;  // 0: the whole dataset
  SubsetMode mode = SubsetMode::kStratified;
};

// Dataset indices of the subset, ascending. Stratified takes, for k = 0, 1, ..., the k-th image (in dataset
// order) of each class in label order until `limit` are chosen, so class counts differ by at most one where
// classes have enough images. Deterministic; it matters for datasets stored class by class (cifar10-jpeg),
// where the first N images would all be airplanes.
std::vector<std::size_t> select_subset(const Dataset& data, const Subset& subset);

}  // namespace flipguard::data
