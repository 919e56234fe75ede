// One pass of a model over a preloaded image set: batches through the executor, each scored by
// metrics::score_batch. Used by every trial of a campaign and by `flipguard eval` (the clean baseline), so
// both count alike; layer campaigns score their batches with the same step.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "metrics/sdc.hpp"
#include "metrics/token_scoring.hpp"
#include "metrics/topk.hpp"

namespace flipguard::evaluation {

struct Evaluation {
  // counts.images: the images evaluated (fewer than the set when stopped); Top-1/Top-5 stay 0 for a set
  // without labels (images.labelled false), whose only scores are `sdc`'s.
  metrics::TopKCounts counts;
  metrics::SdcCounts sdc;  // against LogitIo::clean, when given
  // Token sequences (images.is_tokens()): the next-token counts of their positions; `counts.images` counts
  // the sequences and `sdc` holds only the logit error (metrics::score_token_batch).
  metrics::TokenCounts tokens;
  double seconds = 0;
  bool stopped = false;  // `stop_after` ended the pass early
};

// Logits in and out of a pass, beyond the batch scratch: the fault-free logits of the set's images (in set
// order, images x classes) to compare with, and where to keep every image's logits (the fault-free pass that
// later passes compare with).
struct LogitIo {
  std::span<const float> clean;        // empty: no comparison
  std::vector<float>* keep = nullptr;  // resized to images x classes, filled in set order
};

// Throws std::runtime_error naming the model when `images` do not fit it: another input size than the
// model's, or a label past its outputs. evaluate_set checks it; callers feeding an executor otherwise
// (evaluate_batches) check it first.
void check_images_fit(const engine::Executor& ex, const data::PreprocessedSet& images);

// Runs images [first, first + n) of the set through `ex` (token ids for a set of token sequences), writing
// their logits to `out`.
void run_batch(engine::Executor& ex, const data::PreprocessedSet& images, size_t first, size_t n, float* out);

// Sequences [first, first + n) of a set of token sequences as metrics::score_tokens reads them: their logits
// (n x seq_len x vocab, vocab = classes / seq_len), next-token targets and fault-free logits (may be empty).
metrics::TokenBatch token_batch(const data::PreprocessedSet& set, size_t first, size_t n,
                                std::span<const float> logits, std::span<const float> clean,
                                std::int64_t classes);

// The labels of images [first, first + n) as metrics::score_batch takes them: empty when the set has none.
std::span<const int> batch_labels(const data::PreprocessedSet& images, size_t first, size_t n);

// `logits` is scratch reused across calls (sized once); `after_batch(images_done, counts_so_far)` is
// optional; so is `stop_after(images_done, counts_so_far)`, which ends the pass when it returns true.
// Images are evaluated in set order, so where a pass stops depends on the images and weights only.
Evaluation evaluate_set(engine::Executor& ex, const data::PreprocessedSet& images, std::vector<float>& logits,
                        const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch = {},
                        const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after = {},
                        const LogitIo& io = {});

// Where a pass's logits come from: `produce(first, n, out)` writes the logits of images [first, first + n)
// of the set (n <= the batch) to `out`, n x classes floats.
using BatchLogits = std::function<void(size_t first, size_t n, float* out)>;

// The same pass with the logits coming from `produce` (a suffix of the network run from kept activations,
// or logits already known), batch by batch in the same order as evaluate_set, so that scores, early stops
// and SDC are those evaluate_set gives when `produce` writes what the executor would. `classes` is the
// model's outputs per image; `logits` is scratch as above.
Evaluation evaluate_batches(const data::PreprocessedSet& images, size_t batch, std::int64_t classes,
                            const BatchLogits& produce, std::vector<float>& logits,
                            const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after = {},
                            const LogitIo& io = {});

}  // namespace flipguard::evaluation
