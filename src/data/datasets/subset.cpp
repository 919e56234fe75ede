#include "data/datasets/subset.hpp"

#include <algorithm>
#include <numeric>

namespace flipguard::data {

std::vector<std::size_t> select_subset(const Dataset& data, const Subset& subset) {
  std::vector<int> labels(data.size());
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = data.label(i);
  return select_subset(labels, data.num_classes(), subset);
}

std::vector<std::size_t> select_subset(std::span<const int> labels, int num_classes, const Subset& subset) {
  const std::size_t n = labels.size();
  const std::size_t skip = std::min(subset.skip, n);
  const std::size_t end = subset.limit == 0 ? n : std::min(skip + subset.limit, n);
  std::vector<std::size_t> chosen;
  if (subset.mode == SubsetMode::kFirst || (end == n && skip == 0) || num_classes <= 0) {
    chosen.resize(end - skip);
    std::iota(chosen.begin(), chosen.end(), skip);
    return chosen;
  }
  std::vector<std::vector<std::size_t>> by_class(static_cast<std::size_t>(num_classes));
  for (std::size_t i = 0; i < n; ++i) by_class.at(static_cast<std::size_t>(labels[i])).push_back(i);
  for (std::size_t k = 0; chosen.size() < end; ++k)
    for (const auto& members : by_class)
      if (k < members.size() && chosen.size() < end) chosen.push_back(members[k]);
  chosen.erase(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(skip));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace flipguard::data
