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
// interval with plug-in bets (valid at finite n for any distribution on [0, 1], and under adaptive
// stopping). betting_mix: the same with each side's capital mixed with a bold bet (equally valid, tighter
// at small n and on the side of the data away from the mean's bound; the default). student_t: mean +- t
// quantile x standard error, an approximation that assumes a nearly normal mean; it fails on skewed or
// all-or-nothing data and under adaptive stopping (docs/statistics.md).
enum class IntervalMethod { betting, betting_mix, student_t };

// The bold gambler's prior weight in betting_mix (measured in docs/statistics.md: 1/4 narrows calm cells'
// intervals by up to 18 % and widens none by more than 3.6 %).
inline constexpr double kBoldWeight = 0.25;

std::string to_string(IntervalMethod method);  // "betting", "betting-mix", "t"
// Parses "betting", "betting-mix" or "t"; throws std::invalid_argument naming the accepted values otherwise.
IntervalMethod parse_interval_method(const std::string& text);
// betting or betting_mix: a betting construction (valid at any stop), as opposed to Student t.
inline bool is_betting(IntervalMethod method) {
  return method != IntervalMethod::student_t;
}
// The bold weight a method's betting sequences use (0 for plain betting and for t).
inline double bold_weight(IntervalMethod method) {
  return method == IntervalMethod::betting_mix ? kBoldWeight : 0.0;
}

}  // namespace flipguard::stats
