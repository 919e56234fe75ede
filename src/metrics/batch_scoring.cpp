#include "metrics/batch_scoring.hpp"

#include <algorithm>

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

void score_token_batch(const TokenBatch& batch, TopKCounts& counts, SdcCounts& sdc, TokenCounts& tokens) {
  score_tokens(batch, tokens);  // checks the shapes first
  const std::int64_t row = batch.length * batch.vocab;
  counts.images += batch.rows;
  counts.non_finite += non_finite_rows(batch.logits, row);
  if (batch.clean.empty()) return;
  // One row per sequence: its argmax over positions and vocabulary means nothing, so only the logit error
  // is kept, summed sequence by sequence so that it does not depend on the batching.
  const auto width = static_cast<std::size_t>(row);
  for (std::int64_t r = 0; r < batch.rows; ++r) {
    const auto at = static_cast<std::size_t>(r) * width;
    const SdcCounts e = compare_logits(batch.logits.subspan(at, width), batch.clean.subspan(at, width), row);
    sdc.images += e.images;
    sdc.non_finite += e.non_finite;
    sdc.max_abs_error = std::max(sdc.max_abs_error, e.max_abs_error);
    sdc.error_squares += e.error_squares;
    sdc.clean_squares += e.clean_squares;
  }
}

}  // namespace flipguard::metrics
