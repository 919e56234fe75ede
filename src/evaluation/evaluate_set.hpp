// One pass of a model over a preloaded image set: batches through the executor, scored with Top-k. Used by
// every trial of a campaign and by `flipguard eval` (the clean baseline), so both count alike.
#pragma once

#include <functional>
#include <vector>

#include "data/batch_loader.hpp"
#include "engine/executor.hpp"
#include "metrics/topk.hpp"

namespace flipguard::evaluation {

struct Evaluation {
  metrics::TopKCounts counts;  // counts.images: the images evaluated (fewer than the set when stopped)
  double seconds = 0;
  bool stopped = false;  // `stop_after` ended the pass early
};

// `logits` is scratch reused across calls (sized once); `after_batch(images_done, counts_so_far)` is
// optional; so is `stop_after(images_done, counts_so_far)`, which ends the pass when it returns true.
// Images are evaluated in set order, so where a pass stops depends on the images and weights only.
Evaluation evaluate_set(engine::Executor& ex, const data::PreprocessedSet& images, std::vector<float>& logits,
                        const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch = {},
                        const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after = {});

}  // namespace flipguard::evaluation
