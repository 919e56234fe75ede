// The fault-free activations of a whole image set at one cut of the layer sequence, one copy per batch.
// When a campaign faults only weights read at or after the cut (e.g. `--tensors` selecting the classifier),
// the layers before it compute the same values in every trial: a trial's pass then starts at the cut from
// these copies (Executor::run_suffix), bit for bit the logits a pass from the input gives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"

namespace flipguard::campaign {

class CleanPrefix {
 public:
  // The cut for `images` in batches of the executor's, or none (cut() 0) when the copies would take more
  // than `max_bytes`: that runs the prefix on the first batch once, to learn the bytes live at the cut.
  CleanPrefix(engine::Executor& ex, const data::PreprocessedSet& images, int cut, std::uint64_t max_bytes);

  // 0: no cut (the copies would not fit, or the first faulted layer is the first layer).
  int cut() const { return cut_; }
  // Bytes the copies take over the whole set (0 without a cut).
  std::uint64_t bytes() const { return cut_ > 0 ? batch_bytes_ * batches_ : 0; }

  // The producer of a fault-free pass over the set (the same images, in order) that keeps every batch's
  // activations at the cut: run before a configuration's trials, with the weights the prefix reads as they
  // will stay.
  evaluation::BatchLogits capture();
  // The producer of a pass from the kept activations: only weights read at or after the cut may differ from
  // the capture's.
  evaluation::BatchLogits resume();

 private:
  void run_prefix(std::size_t first, std::size_t n, int cut);  // images or token sequences alike

  engine::Executor& ex_;
  const data::PreprocessedSet& images_;
  int cut_ = 0;
  std::uint64_t batch_bytes_ = 0, batches_ = 0;
  std::vector<std::byte> kept_;  // batches_ x batch_bytes_, allocated at the first capture
};

}  // namespace flipguard::campaign
