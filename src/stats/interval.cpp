#include "stats/interval.hpp"

#include <stdexcept>

namespace flipguard::stats {

std::string to_string(IntervalMethod method) {
  switch (method) {
    case IntervalMethod::betting:
      return "betting";
    case IntervalMethod::betting_mix:
      return "betting-mix";
    case IntervalMethod::student_t:
      return "t";
  }
  return "?";
}

IntervalMethod parse_interval_method(const std::string& text) {
  if (text == "betting") return IntervalMethod::betting;
  if (text == "betting-mix") return IntervalMethod::betting_mix;
  if (text == "t") return IntervalMethod::student_t;
  throw std::invalid_argument("interval method '" + text + "' is not one of betting-mix, betting, t");
}

}  // namespace flipguard::stats
