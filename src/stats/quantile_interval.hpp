// A distribution-free confidence interval for a quantile of trial values (the median per-trial perplexity of
// a language model under faults, its 90th percentile): order statistics of the n values, chosen with the
// Binomial(n, q) law of how many values fall below the quantile. Valid for any distribution, heavy tails and
// +inf values included (a trial whose logits went non-finite has perplexity +inf), at a fixed n: where trials
// stop on another metric the count is data-dependent, and the interval is reported, never stopped on.
#pragma once

#include <cstdint>
#include <vector>

#include "stats/interval.hpp"

namespace flipguard::stats {

struct QuantileInterval {
  double lo = 0, hi = 0;  // -inf / +inf where too few values bound the quantile on that side
  double estimate = 0;    // the sample quantile: the value of rank ceil(q n)
  // 1-based ranks of lo and hi in the sorted values (0 / n + 1 where unbounded).
  std::int64_t lo_rank = 0, hi_rank = 0;
};

// The two-sided (1 - alpha) interval for the q-quantile (0 < q < 1) of the distribution `values` were drawn
// from, each side holding at least 1 - alpha / 2: lo is the largest order statistic x_(l) with P(Bin(n, q) >=
// l) >= 1 - alpha / 2, hi the smallest x_(u) with P(Bin(n, q) <= u - 1) >= 1 - alpha / 2. NaN values are
// refused (std::invalid_argument), as are an empty sample, q outside (0, 1) and alpha outside (0, 1).
QuantileInterval quantile_interval(std::vector<double> values, double q, double alpha = 0.05);

// P(Bin(n, p) <= k), computed in log space (n up to millions).
double binomial_cdf(std::int64_t k, std::int64_t n, double p);

}  // namespace flipguard::stats
