#include "metrics/batch_scoring.hpp"

namespace flipguard::metrics {

void score_batch(const BatchOutputs& batch, TopKCounts& counts, SdcCounts& sdc) {
  if (!batch.labels.empty()) {
    counts.add(score(batch.logits, batch.labels, batch.classes));
  } else {
    const std::int64_t non_finite = non_finite_rows(batch.logits, batch.classes);  // checks the rows first
    counts.images += static_cast<std::int64_t>(batch.logits.size() / static_cast<std::size_t>(batch.classes));
    counts.non_finite += non_finite;
  }
  if (!batch.clean.empty()) sdc.add(compare_logits(batch.logits, batch.clean, batch.classes));
}

}  // namespace flipguard::metrics
