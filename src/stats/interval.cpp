#include "stats/interval.hpp"

#include <stdexcept>

namespace flipguard::stats {

std::string to_string(IntervalMethod method) {
  return method == IntervalMethod::student_t ? "t" : "betting";
}

IntervalMethod parse_interval_method(const std::string& text) {
  if (text == "betting") return IntervalMethod::betting;
  if (text == "t") return IntervalMethod::student_t;
  throw std::invalid_argument("interval method '" + text + "' is not one of betting, t");
}

}  // namespace flipguard::stats
