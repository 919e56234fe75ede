#include "campaign/running/clean_prefix.hpp"

#include <algorithm>
#include <stdexcept>

namespace flipguard::campaign {

CleanPrefix::CleanPrefix(engine::Executor& ex, const data::PreprocessedSet& images, int cut,
                         std::uint64_t max_bytes)
    : ex_(ex), images_(images) {
  if (cut <= 0 || images.size() == 0) return;
  evaluation::check_images_fit(ex, images);  // before any image reaches the executor
  const auto batch = static_cast<std::size_t>(ex.batch());
  run_prefix(0, std::min(batch, images.size()), cut);
  batch_bytes_ = ex.snapshot_bytes();
  batches_ = (images.size() + batch - 1) / batch;
  if (batch_bytes_ * batches_ <= max_bytes) cut_ = cut;
}

void CleanPrefix::run_prefix(std::size_t first, std::size_t n, int cut) {
  if (images_.is_tokens())
    ex_.run_prefix(images_.token_batch(first, n).data(), static_cast<int>(n), cut);
  else
    ex_.run_prefix(images_.batch(first, n).data(), static_cast<int>(n), cut);
}

evaluation::BatchLogits CleanPrefix::capture() {
  if (cut_ == 0) throw std::logic_error("clean prefix: no cut to capture at");
  if (kept_.empty()) kept_.resize(batch_bytes_ * batches_);
  return [this](std::size_t first, std::size_t n, float* out) {
    const auto b = first / static_cast<std::size_t>(ex_.batch());
    run_prefix(first, n, cut_);
    ex_.save_snapshot(std::span(kept_).subspan(b * batch_bytes_, batch_bytes_));
    ex_.run_suffix(out);
  };
}

evaluation::BatchLogits CleanPrefix::resume() {
  if (kept_.empty()) throw std::logic_error("clean prefix: resume before a capture");
  return [this](std::size_t first, std::size_t n, float* out) {
    const auto b = first / static_cast<std::size_t>(ex_.batch());
    ex_.load_snapshot(std::span<const std::byte>(kept_).subspan(b * batch_bytes_, batch_bytes_),
                      static_cast<int>(n));
    ex_.run_suffix(out);
  };
}

}  // namespace flipguard::campaign
