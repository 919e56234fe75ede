// The interval of a cell's mean Top-1 over its trials, fed one trial at a time in trial order: the form in
// which the stopping rule, the work plan and the report all compute it, so they agree to the last digit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "stats/betting_confidence_sequence.hpp"
#include "stats/interval.hpp"

namespace flipguard::campaign {

class TrialIntervalMonitor {
 public:
  // betting: the confidence sequence with `options` over Top-1 as a fraction, looking after every
  // `look_every`-th trial and at the time asked; student_t: the t interval of the trials so far.
  TrialIntervalMonitor(stats::IntervalMethod method, stats::BettingOptions options, std::int64_t look_every);

  void add(double top1_percent);  // betting: throws std::invalid_argument outside [0, 100]
  // In percent. Student t needs two trials: (-inf, inf) before.
  stats::Interval interval() const;
  std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }
  bool varies() const;  // any two trials differ
  stats::IntervalMethod method() const { return method_; }

 private:
  stats::IntervalMethod method_;
  std::int64_t look_every_;
  std::vector<double> values_;  // percent
  std::optional<stats::BettingConfidenceSequence> cs_;
};

}  // namespace flipguard::campaign
