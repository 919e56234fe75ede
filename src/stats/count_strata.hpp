// Strata of a trial by the number K of faults on the format's critical bit, K ~ Binomial(words, rate)
// exactly: consecutive ranges of K with their exact probabilities, the weights of a stratified mean.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace flipguard::stats {

struct CountStratum {
  std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();  // lo <= K <= hi (hi max: no bound)
  double weight = 0;                                                   // P(lo <= K <= hi)
  std::string label() const;                                           // "K=0", "K=1..2", "K>=3"
};

// Consecutive ranges K = 0.., each of probability >= min_weight (the last takes the tail), at most
// max_strata of them; weights sum to 1 within 1e-12. One stratum means stratifying buys nothing here (K is
// nearly fixed, or rate 0). Throws std::invalid_argument on words < 0, a rate outside [0, 1], max_strata < 1
// or min_weight outside (0, 1).
std::vector<CountStratum> binomial_strata(std::int64_t words, double rate, int max_strata = 4,
                                          double min_weight = 0.05);

}  // namespace flipguard::stats
