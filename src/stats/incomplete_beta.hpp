// The regularized incomplete beta function, the building block of the t and binomial quantiles.
#pragma once

namespace flipguard::stats {

// I_x(a, b) for a, b > 0 and x in [0, 1].
double regularized_incomplete_beta(double a, double b, double x);

}  // namespace flipguard::stats
