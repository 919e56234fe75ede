#include "campaign/evaluate_set.hpp"

#include <algorithm>
#include <chrono>

namespace flipguard::campaign {

Evaluation evaluate_set(engine::Executor& ex, const data::PreprocessedSet& images, std::vector<float>& logits,
                        const std::function<void(size_t, const metrics::TopKCounts&)>& after_batch,
                        const std::function<bool(size_t, const metrics::TopKCounts&)>& stop_after) {
  const auto start = std::chrono::steady_clock::now();
  const auto classes = ex.output_size();
  const auto batch = static_cast<size_t>(ex.batch());
  logits.resize(batch * static_cast<size_t>(classes));
  Evaluation e;
  for (size_t first = 0; first < images.size(); first += batch) {
    const auto n = std::min(batch, images.size() - first);
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

}  // namespace flipguard::campaign
