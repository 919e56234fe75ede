#include "campaign/planning/accuracy_floor.hpp"

#include "stats/binomial.hpp"

namespace flipguard::campaign {

bool below_floor(std::int64_t correct, std::int64_t seen, double floor_percent, double confidence) {
  if (floor_percent <= 0 || seen == 0) return false;
  return 100 * stats::clopper_pearson_upper(correct, seen, confidence) < floor_percent;
}

}  // namespace flipguard::campaign
