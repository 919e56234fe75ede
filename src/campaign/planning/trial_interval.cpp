#include "campaign/planning/trial_interval.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "stats/student_t.hpp"

namespace flipguard::campaign {

TrialIntervalMonitor::TrialIntervalMonitor(stats::IntervalMethod method, stats::BettingOptions options,
                                           std::int64_t look_every)
    : method_(method), look_every_(std::max<std::int64_t>(look_every, 1)) {
  if (stats::is_betting(method_)) cs_.emplace(options);
}

void TrialIntervalMonitor::add(double top1_percent) {
  values_.push_back(top1_percent);
  if (cs_) {
    // Betting needs the bounds it bets within; t has none.
    if (!(top1_percent >= 0 && top1_percent <= 100))
      throw std::invalid_argument("trial Top-1 " + std::to_string(top1_percent) + " % is outside [0, 100]");
    cs_->add(std::min(top1_percent / 100, 1.0));
    if (cs_->size() % look_every_ == 0) cs_->look();
  }
}

stats::Interval TrialIntervalMonitor::interval() const {
  if (cs_) {
    const stats::Interval i = cs_->peek();
    return {100 * i.lo, 100 * i.hi};
  }
  if (values_.size() < 2) return {-INFINITY, INFINITY};
  return stats::student_t_interval(values_);
}

bool TrialIntervalMonitor::varies() const {
  const auto [lo, hi] = std::minmax_element(values_.begin(), values_.end());
  return lo != hi && *lo != *hi;
}

}  // namespace flipguard::campaign
