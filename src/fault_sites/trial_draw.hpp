// The inputs of one trial's faults at a site: which fault model, the key that makes them reproducible, an
// optional stratum condition, and the images the trial's inferences will run over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "faults/critical_conditioning.hpp"
#include "faults/fault_model.hpp"

namespace flipguard::fault_sites {

// A stratified trial: the number of faults on the format's critical bit, over all faulted tensors together,
// lies in [lo, hi] (hi may be faults::kNoUpperCount).
struct CriticalCondition {
  std::int64_t lo = 0, hi = faults::kNoUpperCount;
};

struct TrialDraw {
  const faults::FaultModel& model;
  std::uint64_t seed = 0, trial = 0;
  std::optional<CriticalCondition> condition = std::nullopt;
  // The dataset index of every image the trial's inferences run, in the order the executor sees them (batch
  // after batch). Sites drawn once per trial ignore it; a site redrawn per inference keys each image's faults
  // by it, so batch size, threads and shards do not change them.
  std::span<const std::size_t> images = {};
  // The cell's BER, from which a second site's rate follows (site_pair.hpp); 0: that of `model`.
  double cell_rate = 0;
};

}  // namespace flipguard::fault_sites
