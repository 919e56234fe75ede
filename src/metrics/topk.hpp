// Classification metrics over logits: Top-1/Top-k hits and non-finite outputs (a faulty model can emit
// NaN/Inf; such an image counts as a miss, never as a hit by accident of comparison).
#pragma once

#include <cstdint>
#include <span>

namespace flipguard::metrics {

struct TopKCounts {
  std::int64_t images = 0, top1 = 0, top5 = 0, non_finite = 0;
  void add(const TopKCounts& o) {
    images += o.images;
    top1 += o.top1;
    top5 += o.top5;
    non_finite += o.non_finite;
  }
  double top1_percent() const {
    return images ? 100.0 * static_cast<double>(top1) / static_cast<double>(images) : 0.0;
  }
  double top5_percent() const {
    return images ? 100.0 * static_cast<double>(top5) / static_cast<double>(images) : 0.0;
  }
};

// Rank of the target logit: the number of other classes whose logit is greater or equal. Ties go against the
// target, so an output that lost all information (a constant row, as a collapsed faulty model gives) is a
// miss, never a hit; on distinct values this is torch.topk's rank. A non-finite row gets rank = classes.
std::int64_t target_rank(std::span<const float> logits, int target);

// Rows of `classes` logits that hold a NaN or Inf.
std::int64_t non_finite_rows(std::span<const float> logits, std::int64_t classes);

// Scores `count` rows of `classes` logits against their targets.
TopKCounts score(std::span<const float> logits, std::span<const int> targets, std::int64_t classes);

}  // namespace flipguard::metrics
