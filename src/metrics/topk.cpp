#include "metrics/topk.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace flipguard::metrics {

std::int64_t target_rank(std::span<const float> logits, int target) {
  if (target < 0 || static_cast<size_t>(target) >= logits.size())
    throw std::out_of_range("target class " + std::to_string(target) + " outside the " +
                            std::to_string(logits.size()) + " logits");
  const float t = logits[static_cast<size_t>(target)];
  if (!std::isfinite(t)) return static_cast<std::int64_t>(logits.size());
  std::int64_t rank = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float v = logits[i];
    if (std::isnan(v)) return static_cast<std::int64_t>(logits.size());
    rank += v > t || (v == t && i != static_cast<size_t>(target));
  }
  return rank;
}

std::int64_t non_finite_rows(std::span<const float> logits, std::int64_t classes) {
  if (classes <= 0 || logits.size() % static_cast<size_t>(classes) != 0)
    throw std::invalid_argument("non_finite_rows: " + std::to_string(logits.size()) + " logits in rows of " +
                                std::to_string(classes));
  std::int64_t rows = 0;
  for (size_t i = 0; i < logits.size(); i += static_cast<size_t>(classes)) {
    bool finite = true;
    for (size_t j = 0; j < static_cast<size_t>(classes); ++j) finite = finite && std::isfinite(logits[i + j]);
    rows += !finite;
  }
  return rows;
}

TopKCounts score(std::span<const float> logits, std::span<const int> targets, std::int64_t classes) {
  if (classes <= 0 || logits.size() != targets.size() * static_cast<size_t>(classes))
    throw std::invalid_argument("score: " + std::to_string(logits.size()) + " logits for " +
                                std::to_string(targets.size()) + " images of " + std::to_string(classes) +
                                " classes");
  TopKCounts c;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto row = logits.subspan(i * static_cast<size_t>(classes), static_cast<size_t>(classes));
    bool finite = true;
    for (float v : row) finite = finite && std::isfinite(v);
    const auto rank = target_rank(row, targets[i]);
    ++c.images;
    c.non_finite += !finite;
    c.top1 += rank < 1;
    c.top5 += rank < 5;
  }
  return c;
}

}  // namespace flipguard::metrics
