// The scoring step every pass over images shares (a campaign trial, a layer campaign's trial, eval's clean
// pass): one batch's logits added to the pass's sums, Top-1/Top-5 against the labels (non-finite rows alone
// without labels) and SDC against the fault-free logits. Called once per batch; the loops over images are
// those of score, non_finite_rows and compare_logits, so a pass pays no per-image indirection and every
// caller sums the same numbers in the same order.
#pragma once

#include <cstdint>
#include <span>

#include "metrics/sdc.hpp"
#include "metrics/token_scoring.hpp"
#include "metrics/topk.hpp"

namespace flipguard::metrics {

// One batch of n images: their logits (n x classes), their labels (n; empty when the images have none) and
// the fault-free logits of the same images (n x classes; empty: nothing to compare with).
struct BatchOutputs {
  std::span<const float> logits;
  std::span<const int> labels;
  std::span<const float> clean;
  std::int64_t classes = 0;
};

// Adds the batch to `counts` (images, Top-1/Top-5 hits with labels, non-finite rows) and, given fault-free
// logits, to `sdc`.
void score_batch(const BatchOutputs& batch, TopKCounts& counts, SdcCounts& sdc);

// A causal language model's batch (token_scoring.hpp's TokenBatch): its positions added to `tokens`; its
// sequences to `counts` (images, and those with a non-finite logit); given fault-free logits, the logit
// error (largest |delta|, squares) to `sdc`, whose image-level SDC-1/SDC-5 stay 0 (token SDC is per
// position).
void score_token_batch(const TokenBatch& batch, TopKCounts& counts, SdcCounts& sdc, TokenCounts& tokens);

}  // namespace flipguard::metrics
