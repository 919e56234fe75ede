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

  // A language model's trial (token_scoring.hpp): `images` counts its sequences, these its positions.
  std::int64_t lm_trials = 0;                   // 1 for a language model's trial: what ppl_2x/10x divide by
  std::int64_t positions = 0;                   // next-token predictions scored
  std::int64_t token_top1 = 0, token_top5 = 0;  // the true next token is the argmax / within the top 5
  std::int64_t token_sdc = 0;                   // positions whose argmax differs from the fault-free model's
  std::int64_t token_non_finite = 0;            // positions whose logits held NaN/Inf
  // 1 when the trial's perplexity exceeds 2x / 10x the fault-free model's on the same sequences.
  std::int64_t ppl_2x = 0, ppl_10x = 0;
  double perplexity = 0;  // exp(mean NLL per position); +inf with a non-finite position
  double nll = 0;         // mean NLL per position, nats
  double kl = 0;          // mean KL(fault-free || faulty) per position, nats
};

}  // namespace flipguard::metrics
