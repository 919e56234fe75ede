// A two-sided confidence interval [lo, hi] for a mean, and the methods that produce one. Intervals may be
// asymmetric (bounded data near 0 or 1), so they are kept as endpoints, never as mean +- half-width.
#pragma once

#include <string>

namespace flipguard::stats {

struct Interval {
  double lo = 0, hi = 1;
  double half_width() const { return (hi - lo) / 2; }
  bool contains(double m) const { return lo <= m && m <= hi; }
  bool operator==(const Interval&) const = default;
};

// How an interval over trials is computed. betting: the betting confidence sequence / fixed-n betting
// interval (valid at finite n for any distribution on [0, 1], and under adaptive stopping). student_t:
// mean +- t quantile x standard error, an approximation that assumes a nearly normal mean; it fails on
// skewed or all-or-nothing data and under adaptive stopping (docs/statistics.md).
enum class IntervalMethod { betting, student_t };

std::string to_string(IntervalMethod method);  // "betting", "t"
// Parses "betting" or "t"; throws std::invalid_argument naming the accepted values otherwise.
IntervalMethod parse_interval_method(const std::string& text);

}  // namespace flipguard::stats
