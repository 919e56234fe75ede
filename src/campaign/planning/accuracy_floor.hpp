// Early stop of a hopeless trial: after each batch, is the trial's Top-1 statistically below a floor? The
// images are evaluated in a fixed order, so where a trial stops is deterministic.
#pragma once

#include <cstdint>

namespace flipguard::campaign {

// Confidence of the one-sided bound used by campaigns.
inline constexpr double kFloorConfidence = 0.999;

// True when even the one-sided Clopper-Pearson upper bound (stats::clopper_pearson_upper) of the accuracy
// seen so far is below `floor_percent`.
bool below_floor(std::int64_t correct, std::int64_t seen, double floor_percent,
                 double confidence = kFloorConfidence);

}  // namespace flipguard::campaign
