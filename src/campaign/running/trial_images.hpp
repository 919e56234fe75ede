// A fresh random sample of the preloaded images for each trial.
//
// Why: a cell's confidence interval is over trials, and near a collapse the trial-to-trial spread from the
// faults dwarfs the spread from which images are scored. For a fixed number of inferences, many trials on a
// few images each then estimate the cell far better than few trials on many images. Drawing each trial's
// images afresh (without replacement from the pool) makes every trial an unbiased estimate of the accuracy
// over the whole pool, and the Student t interval over trials covers both sources of spread. The sample is
// keyed by (seed, trial) only, so every format and protection scores the same images in a trial (common
// random numbers), whatever process runs it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "data/loading/batch_loader.hpp"

namespace flipguard::campaign {

class TrialImages {
 public:
  // `per_trial` images out of `pool` (1 <= per_trial <= pool.size(); equal to it: the whole pool, in order).
  TrialImages(const data::PreprocessedSet& pool, std::size_t per_trial);

  // The images of (seed, trial): pool indices ascending, copied into a buffer reused across trials.
  const data::PreprocessedSet& sample(std::uint64_t seed, std::uint64_t trial);
  // Which pool positions sample(seed, trial) holds (ascending); a pure function of the key.
  std::vector<std::size_t> positions(std::uint64_t seed, std::uint64_t trial) const;

  std::size_t per_trial() const { return per_trial_; }
  // The pool positions of the last sample(), ascending.
  std::span<const std::size_t> chosen() const { return chosen_; }

  // The rows (of `width` values each, one per pool image, in pool order: e.g. the fault-free logits) of the
  // images of the last sample(), in its order, copied into a buffer reused across trials.
  std::span<const float> rows_of_sample(std::span<const float> pool_rows, std::size_t width);

 private:
  const data::PreprocessedSet& pool_;
  std::size_t per_trial_;
  data::PreprocessedSet buffer_;
  std::vector<std::size_t> chosen_;  // pool positions of the last sample
  std::vector<float> rows_;
};

}  // namespace flipguard::campaign
