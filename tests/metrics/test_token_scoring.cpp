// Next-token metrics: exact values on hand-made rows (uniform logits have perplexity = vocabulary size, a
// known KL divergence), ties against the target, non-finite rows as misses with infinite NLL, and
// statistically: with targets drawn from the softmax itself, the mean NLL converges to the mean entropy and
// the Top-1 rate to the mean probability of the argmax.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "metrics/token_scoring.hpp"

namespace flipguard::metrics {
namespace {

TEST(TokenScoring, UniformLogitsHavePerplexityVocabAndTiesGoAgainstTheTarget) {
  const std::vector<float> logits(2 * 3 * 7, 0.5f);  // 2 sequences x 3 positions x vocab 7, all equal
  const std::vector<std::int64_t> targets{1, 2, -1, 6, 0, -1};  // the last position of each has no next token
  TokenCounts c;
  score_tokens({.logits = logits, .targets = targets, .rows = 2, .length = 3, .vocab = 7}, c);
  EXPECT_EQ(c.positions, 4);
  EXPECT_EQ(c.top1, 0);  // six other tokens tie with the target
  EXPECT_EQ(c.top5, 0);
  EXPECT_NEAR(c.mean_nll(), std::log(7.0), 1e-12);
  EXPECT_NEAR(c.perplexity(), 7.0, 1e-9);
  EXPECT_EQ(c.sdc, 0);
  EXPECT_EQ(c.kl_sum, 0);
}

TEST(TokenScoring, ExactNllRankAndKlOnAHandMadeRow) {
  // Row (ln 3, 0, -inf-ish): p = (3/4, 1/4, ~0). Target 1: NLL = ln 4; rank 1 (one token above it).
  const std::vector<float> row{std::log(3.0f), 0.0f, -80.0f};
  const std::vector<std::int64_t> target{1};
  TokenCounts c;
  // Fault-free row uniform over the first two tokens: KL(clean || faulty) = 1/2 ln(2/3) + 1/2 ln(2).
  const std::vector<float> clean{0.0f, 0.0f, -80.0f};
  score_tokens({.logits = row, .targets = target, .clean = clean, .rows = 1, .length = 1, .vocab = 3}, c);
  EXPECT_NEAR(c.nll_sum, std::log(4.0), 1e-6);
  EXPECT_EQ(c.top1, 0);
  EXPECT_EQ(c.top5, 1);
  EXPECT_NEAR(c.kl_sum, 0.5 * std::log(2.0 / 3.0) + 0.5 * std::log(2.0), 1e-6);
  // The clean argmax is token 0 (ties go to the first), the faulty one too: no SDC.
  EXPECT_EQ(c.sdc, 0);
  const std::vector<float> flipped{0.0f, std::log(3.0f), -80.0f};
  TokenCounts d;
  score_tokens({.logits = flipped, .targets = target, .clean = row, .rows = 1, .length = 1, .vocab = 3}, d);
  EXPECT_EQ(d.sdc, 1);
  EXPECT_EQ(d.top1, 1);
  EXPECT_NEAR(d.nll_sum, std::log(4.0 / 3.0), 1e-6);
}

TEST(TokenScoring, ANonFiniteRowIsAMissAnSdcAndMakesThePerplexityInfinite) {
  std::vector<float> logits{2.0f, 0.0f, 0.0f, 2.0f, 0.0f, 0.0f};
  const std::vector<float> clean = logits;
  logits[4] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::int64_t> targets{0, 0};
  TokenCounts c;
  score_tokens({.logits = logits, .targets = targets, .clean = clean, .rows = 1, .length = 2, .vocab = 3}, c);
  EXPECT_EQ(c.positions, 2);
  EXPECT_EQ(c.non_finite, 1);
  EXPECT_EQ(c.top1, 1);  // the finite row's
  EXPECT_EQ(c.sdc, 1);
  EXPECT_TRUE(std::isinf(c.perplexity()));
  EXPECT_TRUE(std::isinf(c.kl_sum));
  TokenCounts more;
  more.add(c);
  EXPECT_TRUE(std::isinf(more.nll_sum));
}

TEST(TokenScoring, BadShapesAndTargetsAreRefused) {
  const std::vector<float> logits(6, 0.0f);
  const std::vector<std::int64_t> targets{0, 3};
  TokenCounts c;
  EXPECT_THROW(score_tokens({.logits = logits, .targets = targets, .rows = 1, .length = 2, .vocab = 3}, c),
               std::invalid_argument);  // target 3 of vocab 3
  const std::vector<std::int64_t> one{0};
  EXPECT_THROW(score_tokens({.logits = logits, .targets = one, .rows = 1, .length = 2, .vocab = 3}, c),
               std::invalid_argument);
}

TEST(TokenScoring, TargetsDrawnFromTheModelGiveItsEntropyAndItsArgmaxProbability) {
  std::mt19937_64 rng(77);
  std::normal_distribution<float> normal(0, 2);
  const int vocab = 50, positions = 20000;
  std::vector<float> logits(static_cast<std::size_t>(positions) * vocab);
  std::vector<std::int64_t> targets(positions);
  double entropy = 0, p_max = 0;
  for (int p = 0; p < positions; ++p) {
    float* row = logits.data() + static_cast<std::size_t>(p) * vocab;
    for (int i = 0; i < vocab; ++i) row[i] = normal(rng);
    std::vector<double> prob(vocab);
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += prob[i] = std::exp(static_cast<double>(row[i]));
    double h = 0, best = 0;
    for (auto& q : prob) {
      q /= sum;
      h -= q * std::log(q);
      best = std::max(best, q);
    }
    entropy += h;
    p_max += best;
    targets[static_cast<std::size_t>(p)] = std::discrete_distribution<int>(prob.begin(), prob.end())(rng);
  }
  TokenCounts c;
  score_tokens({.logits = logits, .targets = targets, .rows = 1, .length = positions, .vocab = vocab}, c);
  // E[-log p(target)] = H(p) per position; the per-position NLL has a standard deviation of a few nats at
  // most here, so 20,000 positions put the mean within 0.05 nats with overwhelming probability.
  EXPECT_NEAR(c.mean_nll(), entropy / positions, 0.05);
  // Top-1 hits ~ Poisson-binomial with mean sum p_max: within 5 standard deviations (sd <= sqrt(n)/2).
  EXPECT_NEAR(static_cast<double>(c.top1), p_max, 5 * std::sqrt(positions) / 2);
  EXPECT_GT(c.top5, c.top1);
}

}  // namespace
}  // namespace flipguard::metrics
