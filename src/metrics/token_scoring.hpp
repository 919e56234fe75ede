// Language-model metrics over next-token logits: each position of a sequence predicts the token after it.
// Per position: the negative log-likelihood of the true next token (natural log), whether it is the Top-1 /
// within the Top-5 prediction, whether the logits hold NaN/Inf, and, against the fault-free model's logits of
// the same position, whether the argmax token changed (SDC) and the KL divergence of the next-token
// distribution KL(clean || faulty). Sums over positions are what a trial keeps; perplexity is
// exp(nll_sum / positions).
//
// A position whose logits hold a NaN or Inf lost its distribution: it is a miss for Top-1/Top-5, an SDC, and
// its NLL and KL are +inf (so is the trial's perplexity): a faulty model that emits non-finite logits never
// looks better than one that emits finite garbage. Ties go against the target as in topk.hpp.
#pragma once

#include <cstdint>
#include <span>

namespace flipguard::metrics {

struct TokenCounts {
  std::int64_t positions = 0;       // predictions scored
  std::int64_t top1 = 0, top5 = 0;  // the true next token is the argmax / within the 5 largest
  std::int64_t non_finite = 0;      // positions whose logits held NaN/Inf
  std::int64_t sdc = 0;             // positions whose argmax differs from the fault-free model's
  double nll_sum = 0;               // sum of -log p(next token), natural log (+inf with a non-finite row)
  double kl_sum = 0;                // sum of KL(clean || faulty) in nats (+inf with a non-finite row)

  void add(const TokenCounts& o);
  // exp(mean NLL): the perplexity of the scored positions (+inf when a position's logits were not finite; 0
  // when none were scored).
  double perplexity() const;
  double mean_nll() const;
};

// One batch: `rows` sequences of `length` positions, their logits (rows x length x vocab, row-major), the
// targets (rows x length: the next token of each position, or -1 where a position has none, e.g. the last
// one of a window), and the fault-free logits of the same positions (same shape; empty: no comparison).
struct TokenBatch {
  std::span<const float> logits = {};
  std::span<const std::int64_t> targets = {};
  std::span<const float> clean = {};
  std::int64_t rows = 0, length = 0, vocab = 0;
};

// The negative log-likelihood of `target` under one position's finite logits (natural log), computed as
// score_tokens adds it: sums of these in position order equal a pass's nll_sum bit for bit.
double position_nll(std::span<const float> logits, std::int64_t target);

// Adds the batch's positions with a target to `counts`, position by position in row-major order (so a pass's
// sums do not depend on how its sequences were batched). std::invalid_argument when the spans do not match
// the shape or a target is outside [0, vocab).
void score_tokens(const TokenBatch& batch, TokenCounts& counts);

}  // namespace flipguard::metrics
