// Clopper-Pearson (exact binomial) bounds on a success probability from `correct` successes in `seen`
// independent trials: the clean cells' accuracy over their images, and the early stop below a floor.
#pragma once

#include <cstdint>

#include "stats/interval.hpp"

namespace flipguard::stats {

// One-sided upper bound at `confidence`: the p at which P(X <= correct | seen, p) = 1 - confidence
// (1 when correct == seen). Throws std::invalid_argument unless 0 <= correct <= seen and confidence in (0,
// 1).
double clopper_pearson_upper(std::int64_t correct, std::int64_t seen, double confidence);

// Two-sided (1 - alpha) interval: each side holds at least 1 - alpha/2 whatever p is (conservative).
// seen == 0 gives [0, 1].
Interval clopper_pearson(std::int64_t correct, std::int64_t seen, double alpha = 0.05);

}  // namespace flipguard::stats
