#include "metrics/token_scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace flipguard::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool finite_row(std::span<const float> row) {
  return std::all_of(row.begin(), row.end(), [](float v) { return std::isfinite(v); });
}

std::int64_t argmax(std::span<const float> row) {
  return std::max_element(row.begin(), row.end()) - row.begin();
}

// log(sum exp(row)) in double, from the row's maximum so nothing overflows.
double log_sum_exp(std::span<const float> row, float max) {
  double sum = 0;
  for (float v : row) sum += std::exp(static_cast<double>(v) - max);
  return static_cast<double>(max) + std::log(sum);
}

// KL(p || q) of the softmaxes of two finite rows, in nats.
double kl_divergence(std::span<const float> p_logits, std::span<const float> q_logits) {
  const float p_max = *std::max_element(p_logits.begin(), p_logits.end());
  const float q_max = *std::max_element(q_logits.begin(), q_logits.end());
  const double p_lse = log_sum_exp(p_logits, p_max), q_lse = log_sum_exp(q_logits, q_max);
  double kl = 0;
  for (std::size_t i = 0; i < p_logits.size(); ++i) {
    const double log_p = p_logits[i] - p_lse, log_q = q_logits[i] - q_lse;
    kl += std::exp(log_p) * (log_p - log_q);
  }
  return std::max(kl, 0.0);  // rounding can leave -1e-17 where the rows agree
}

}  // namespace

void TokenCounts::add(const TokenCounts& o) {
  positions += o.positions;
  top1 += o.top1;
  top5 += o.top5;
  non_finite += o.non_finite;
  sdc += o.sdc;
  nll_sum += o.nll_sum;
  kl_sum += o.kl_sum;
}

double TokenCounts::mean_nll() const {
  return positions ? nll_sum / static_cast<double>(positions) : 0;
}

double TokenCounts::perplexity() const {
  return positions ? std::exp(mean_nll()) : 0;
}

double position_nll(std::span<const float> row, std::int64_t target) {
  const float max = *std::max_element(row.begin(), row.end());
  return log_sum_exp(row, max) - static_cast<double>(row[static_cast<std::size_t>(target)]);
}

void score_tokens(const TokenBatch& b, TokenCounts& counts) {
  const auto positions = static_cast<std::size_t>(b.rows * b.length);
  const auto vocab = static_cast<std::size_t>(b.vocab);
  if (b.rows < 0 || b.length < 0 || b.vocab < 1 || b.logits.size() != positions * vocab ||
      b.targets.size() != positions || (!b.clean.empty() && b.clean.size() != b.logits.size()))
    throw std::invalid_argument("score_tokens: logits, targets and fault-free logits do not match " +
                                std::to_string(b.rows) + " x " + std::to_string(b.length) + " x " +
                                std::to_string(b.vocab));
  for (std::size_t p = 0; p < positions; ++p) {
    const std::int64_t target = b.targets[p];
    if (target < 0) continue;  // no next token here
    if (target >= b.vocab)
      throw std::invalid_argument("score_tokens: target " + std::to_string(target) + " at position " +
                                  std::to_string(p) + " is outside the vocabulary of " +
                                  std::to_string(b.vocab));
    const auto row = b.logits.subspan(p * vocab, vocab);
    ++counts.positions;
    if (!finite_row(row)) {
      ++counts.non_finite;
      counts.nll_sum = kInf;
      if (!b.clean.empty()) {
        ++counts.sdc;
        counts.kl_sum = kInf;
      }
      continue;
    }
    const float t = row[static_cast<std::size_t>(target)];
    // Rank as topk.hpp: the other tokens whose logit is >= the target's (ties go against it).
    std::int64_t at_least = 0;
    for (std::size_t i = 0; i < vocab && at_least < 5; ++i)
      if (i != static_cast<std::size_t>(target) && row[i] >= t) ++at_least;
    if (at_least == 0) ++counts.top1;
    if (at_least < 5) ++counts.top5;
    counts.nll_sum += position_nll(row, target);
    if (!b.clean.empty()) {
      const auto clean = b.clean.subspan(p * vocab, vocab);
      if (argmax(row) != argmax(clean)) ++counts.sdc;
      counts.kl_sum += kl_divergence(clean, row);
    }
  }
}

}  // namespace flipguard::metrics
