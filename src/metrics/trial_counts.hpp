// What one trial measured, as its record keeps it: the counts and amounts every metric's value is read from
// (metric.hpp). Summed over a trial's batches by the scoring loop; one per trial, never per image.
#pragma once

#include <cstdint>

namespace flipguard::metrics {

struct TrialCounts {
  std::int64_t images = 0;          // images scored
  std::int64_t top1 = 0, top5 = 0;  // correct images (labels)
  std::int64_t sdc1 = 0, sdc5 = 0;  // corrupted images against the fault-free outputs
  std::int64_t non_finite = 0;      // images whose outputs held NaN/Inf
  double logit_max_abs = 0;         // largest |faulty - clean| logit
  double logit_rel_l2 = 0;          // ||faulty - clean|| / ||clean|| over all logits
};

}  // namespace flipguard::metrics
