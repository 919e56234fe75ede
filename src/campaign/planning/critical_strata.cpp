#include "campaign/planning/critical_strata.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace flipguard::campaign {

double probability_no_critical_fault(std::int64_t words, double rate) {
  if (words < 0 || !(rate >= 0 && rate <= 1))
    throw std::invalid_argument("probability_no_critical_fault: bad words " + std::to_string(words) +
                                " or rate " + std::to_string(rate));
  if (rate == 1) return words == 0 ? 1.0 : 0.0;
  return std::exp(static_cast<double>(words) * std::log1p(-rate));
}

CriticalStrata critical_strata(std::span<const TrialRecord> records) {
  CriticalStrata s;
  if (records.empty()) return s;
  const TrialRecord& first = records.front();
  bool same_words = first.critical_words > 0 && first.ber > 0;
  double sum_none = 0, sum_hit = 0;
  for (const TrialRecord& r : records) {
    if (r.cell_key() != first.cell_key())
      throw std::invalid_argument("critical_strata: records of different cells mixed: '" + first.cell_key() +
                                  "' and '" + r.cell_key() + "'");
    same_words = same_words && r.critical_words == first.critical_words;
    if (r.critical_faults > 0) {
      ++s.trials_hit;
      sum_hit += r.top1_percent();
    } else {
      ++s.trials_none;
      sum_none += r.top1_percent();
    }
  }
  if (!same_words) return CriticalStrata{};
  s.known = true;
  s.p_none = probability_no_critical_fault(first.critical_words, first.ber);
  if (s.trials_none) s.top1_none = sum_none / static_cast<double>(s.trials_none);
  if (s.trials_hit) s.top1_hit = sum_hit / static_cast<double>(s.trials_hit);
  return s;
}

}  // namespace flipguard::campaign
