#include "data/subset.hpp"

#include <algorithm>
#include <numeric>

namespace flipguard::data {

std::vector<std::size_t> select_subset(const Dataset& data, const Subset& subset) {
  const std::size_t n = data.size();
  const std::size_t limit = subset.limit == 0 ? n : std::min(subset.limit, n);
  std::vector<std::size_t> chosen;
  if (subset.mode == SubsetMode::kFirst || limit == n) {
    chosen.resize(limit);
    std::iota(chosen.begin(), chosen.end(), std::size_t{0});
    return chosen;
  }
  std::vector<std::vector<std::size_t>> by_class(static_cast<std::size_t>(data.num_classes()));
  for (std::size_t i = 0; i < n; ++i) by_class.at(static_cast<std::size_t>(data.label(i))).push_back(i);
  for (std::size_t k = 0; chosen.size() < limit; ++k)
    for (const auto& members : by_class)
      if (k < members.size() && chosen.size() < limit) chosen.push_back(members[k]);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace flipguard::data
