// Student t: the quantile, and the classical interval mean +- t x standard error. The interval is an
// APPROXIMATION for accuracies over trials: it assumes a nearly normal sample mean, which skewed or
// all-or-nothing cells with few trials are not, and it does not survive adaptive stopping (see
// docs/statistics.md). It is kept as an explicit, labelled method.
#pragma once

#include <span>

#include "stats/interval.hpp"

namespace flipguard::stats {

// Quantile of Student's t distribution with df > 0 degrees of freedom at probability p in (0, 1)
// (Boost.Math).
double student_t_quantile(double p, double df);

// Two-sided (1 - alpha) interval of the mean; needs two values (throws std::invalid_argument otherwise).
Interval student_t_interval(std::span<const double> values, double alpha = 0.05);

}  // namespace flipguard::stats
