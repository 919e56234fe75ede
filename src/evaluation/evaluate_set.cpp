#include "evaluation/evaluate_set.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "metrics/batch_scoring.hpp"
#include "platform/interrupt.hpp"

namespace flipguard::evaluation {

namespace {

// The loop every pass shares: logits batch by batch in set order, scored, compared, kept, maybe stopped.
Evaluation score_batches(const data::PreprocessedSet& images, size_t batch, std::int64_t classes,
                         const BatchLogits& produce, std::vector<float>& logits,
                         const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch,
                         const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after,
                         const LogitIo& io, std::chrono::steady_clock::time_point start) {
  const auto width = static_cast<size_t>(classes);
  if (!io.clean.empty() && io.clean.size() != images.size() * width)
    throw std::logic_error("evaluate_set: " + std::to_string(io.clean.size()) + " fault-free logits for " +
                           std::to_string(images.size()) + " images of " + std::to_string(classes) +
                           " classes");
  if (io.keep) io.keep->resize(images.size() * width);
  logits.resize(batch * width);
  Evaluation e;
  for (size_t first = 0; first < images.size(); first += batch) {
    const auto n = std::min(batch, images.size() - first);
    platform::throw_if_interrupted();  // a trial stopped half-way is abandoned, never recorded
    produce(first, n, logits.data());
    const auto out = std::span<const float>(logits).first(n * width);
    const auto clean = io.clean.empty() ? io.clean : io.clean.subspan(first * width, n * width);
    if (images.is_tokens()) {
      metrics::score_token_batch(token_batch(images, first, n, out, clean, classes), e.counts, e.sdc,
                                 e.tokens);
    } else {
      metrics::score_batch({out, batch_labels(images, first, n), clean, classes}, e.counts, e.sdc);
    }
    if (io.keep)
      std::copy(out.begin(), out.end(), io.keep->begin() + static_cast<std::ptrdiff_t>(first * width));
    if (after_batch) after_batch(first + n, e.counts);
    if (stop_after && first + n < images.size() && stop_after(first + n, e.counts)) {
      e.stopped = true;
      break;
    }
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace

namespace {

// A language model fed token sequences: ids in, [batch, sequence, vocab] logits out.
void check_tokens_fit(const engine::Executor& ex, const data::PreprocessedSet& set) {
  const auto& out = ex.output_dims();
  if (!ex.integer_input() || ex.input_size() != static_cast<std::int64_t>(set.seq_len))
    throw std::runtime_error(ex.graph().source + ": the model takes input " +
                             model::dims_to_string(ex.input_dims()) +
                             (ex.integer_input() ? "" : " (floats)") + " but the data are sequences of " +
                             std::to_string(set.seq_len) + " token ids");
  if (out.size() != 3 || out[1] != static_cast<std::int64_t>(set.seq_len))
    throw std::runtime_error(ex.graph().source + ": the model's output is " + model::dims_to_string(out) +
                             "; a causal language model's is [batch, " + std::to_string(set.seq_len) +
                             ", vocab] (next-token logits at every position)");
  for (std::int64_t id : set.tokens)
    if (id < 0 || id >= out[2])
      throw std::runtime_error(ex.graph().source + ": token id " + std::to_string(id) +
                               " of the data is outside the model's vocabulary of " + std::to_string(out[2]));
}

}  // namespace

void check_images_fit(const engine::Executor& ex, const data::PreprocessedSet& images) {
  if (images.is_tokens()) return check_tokens_fit(ex, images);
  if (ex.integer_input())
    throw std::runtime_error(ex.graph().source +
                             ": the model reads token ids (a language model) but the data are images");
  // The sidecar and the model are separate files: a disagreement would read past the image buffer or score
  // against logits that do not exist.
  if (ex.input_size() != static_cast<std::int64_t>(images.sample_floats()))
    throw std::runtime_error(ex.graph().source + ": the model takes input " +
                             model::dims_to_string(ex.input_dims()) +
                             " but the sidecar's preprocessing gives " +
                             std::to_string(images.sample_floats()) + " floats per image");
  // Scores read one vector of class scores per image: an output such as [N, 2, 5] is not one, and reading it
  // as 10 classes would score a made-up classifier.
  const auto& out = ex.output_dims();
  int wide = 0;
  for (std::size_t d = 1; d < out.size(); ++d) wide += out[d] > 1;
  if (wide > 1)
    throw std::runtime_error(
        ex.graph().source + ": the model's output is " + model::dims_to_string(out) +
        "; flipguard scores classifiers, whose output is [batch, classes] (dimensions of "
        "size 1 after the classes allowed): export the model with its logits as output");
  if (images.labelled)
    for (int t : images.targets)
      if (t < 0 || t >= ex.output_size())
        throw std::runtime_error(ex.graph().source + ": the model gives " + std::to_string(ex.output_size()) +
                                 " outputs per image, but a dataset label needs output " + std::to_string(t) +
                                 " (check the sidecar's output.classes and label_offset)");
}

void run_batch(engine::Executor& ex, const data::PreprocessedSet& images, size_t first, size_t n,
               float* out) {
  if (images.is_tokens())
    ex.run(images.token_batch(first, n).data(), static_cast<int>(n), out);
  else
    ex.run(images.batch(first, n).data(), static_cast<int>(n), out);
}

metrics::TokenBatch token_batch(const data::PreprocessedSet& set, size_t first, size_t n,
                                std::span<const float> logits, std::span<const float> clean,
                                std::int64_t classes) {
  const auto length = static_cast<std::int64_t>(set.seq_len);
  return {.logits = logits,
          .targets = set.next_batch(first, n),
          .clean = clean,
          .rows = static_cast<std::int64_t>(n),
          .length = length,
          .vocab = classes / length};
}

std::span<const int> batch_labels(const data::PreprocessedSet& images, size_t first, size_t n) {
  if (!images.labelled) return {};
  return std::span<const int>(images.targets).subspan(first, n);
}

Evaluation evaluate_set(engine::Executor& ex, const data::PreprocessedSet& images, std::vector<float>& logits,
                        const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch,
                        const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after,
                        const LogitIo& io) {
  const auto start = std::chrono::steady_clock::now();
  check_images_fit(ex, images);
  return score_batches(
      images, static_cast<size_t>(ex.batch()), ex.output_size(),
      [&](size_t first, size_t n, float* out) { run_batch(ex, images, first, n, out); }, logits, after_batch,
      stop_after, io, start);
}

Evaluation evaluate_batches(const data::PreprocessedSet& images, size_t batch, std::int64_t classes,
                            const BatchLogits& produce, std::vector<float>& logits,
                            const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after,
                            const LogitIo& io) {
  return score_batches(images, batch, classes, produce, logits, {}, stop_after, io,
                       std::chrono::steady_clock::now());
}

}  // namespace flipguard::evaluation
