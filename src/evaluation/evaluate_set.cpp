#include "evaluation/evaluate_set.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "platform/interrupt.hpp"

namespace flipguard::evaluation {

Evaluation evaluate_set(engine::Executor& ex, const data::PreprocessedSet& images, std::vector<float>& logits,
                        const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch,
                        const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after) {
  const auto start = std::chrono::steady_clock::now();
  // The sidecar and the model are separate files: a disagreement would read past the image buffer or score
  // against logits that do not exist.
  if (ex.input_size() != static_cast<std::int64_t>(images.sample_floats()))
    throw std::runtime_error(ex.graph().source + ": the model takes input " +
                             model::dims_to_string(ex.input_dims()) +
                             " but the sidecar's preprocessing gives " +
                             std::to_string(images.sample_floats()) + " floats per image");
  const auto classes = ex.output_size();
  for (int t : images.targets)
    if (t < 0 || t >= classes)
      throw std::runtime_error(ex.graph().source + ": the model gives " + std::to_string(classes) +
                               " outputs per image, but a dataset label needs output " + std::to_string(t) +
                               " (check the sidecar's output.classes and label_offset)");
  const auto batch = static_cast<size_t>(ex.batch());
  logits.resize(batch * static_cast<size_t>(classes));
  Evaluation e;
  for (size_t first = 0; first < images.size(); first += batch) {
    const auto n = std::min(batch, images.size() - first);
    platform::throw_if_interrupted();  // a trial stopped half-way is abandoned, never recorded
    ex.run(images.batch(first, n).data(), static_cast<int>(n), logits.data());
    e.counts.add(metrics::score(std::span<const float>(logits).first(n * static_cast<size_t>(classes)),
                                std::span<const int>(images.targets).subspan(first, n), classes));
    if (after_batch) after_batch(first + n, e.counts);
    if (stop_after && first + n < images.size() && stop_after(first + n, e.counts)) {
      e.stopped = true;
      break;
    }
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace flipguard::evaluation
