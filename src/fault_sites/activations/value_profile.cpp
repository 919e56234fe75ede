#include "fault_sites/activations/value_profile.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "data/loading/batch_loader.hpp"

namespace flipguard::fault_sites {
namespace {

class ProfileHook final : public engine::ValueHook {
 public:
  explicit ProfileHook(std::size_t values) : ranges_(values) {}
  void run_started(int) override {}
  void value_written(int value, engine::ValueView& view, bool repeat) override {
    if (repeat) return;  // the same clean values again
    ValueRange& r = ranges_[static_cast<std::size_t>(value)];
    // Spans may arrive from several threads: each reduces its own, then merges under the lock.
    view.for_each_span([&](float* data, std::int64_t n) {
      ValueRange local;
      for (std::int64_t i = 0; i < n; ++i)
        if (std::isfinite(data[i])) {
          local.lo = std::min(local.lo, data[i]);
          local.hi = std::max(local.hi, data[i]);
        }
      const std::lock_guard lock(mutex_);
      r.lo = std::min(r.lo, local.lo);
      r.hi = std::max(r.hi, local.hi);
    });
  }
  std::vector<ValueRange> ranges() && { return std::move(ranges_); }

 private:
  std::vector<ValueRange> ranges_;
  std::mutex mutex_;
};

}  // namespace

std::vector<ValueRange> profile_values(engine::Executor& executor,
                                       const std::vector<engine::WrittenValue>& values,
                                       const Calibration& calibration) {
  if (!calibration.images || calibration.images->size() == 0)
    throw std::invalid_argument("activations: ranges and scales need calibration images (none were loaded)");
  const auto& images = *calibration.images;
  std::vector<std::string> names;
  for (const auto& v : values) names.push_back(v.name);
  ProfileHook hook(values.size());
  const auto batch = static_cast<std::size_t>(executor.batch());
  std::vector<float> out(batch * static_cast<std::size_t>(executor.output_size()));
  executor.arm_value_hook(&hook, names);
  try {
    for (std::size_t first = 0; first < images.size(); first += batch) {
      const std::size_t n = std::min(batch, images.size() - first);
      if (images.is_tokens())
        executor.run(images.token_batch(first, n).data(), static_cast<int>(n), out.data());
      else
        executor.run(images.batch(first, n).data(), static_cast<int>(n), out.data());
    }
  } catch (...) {
    executor.arm_value_hook(nullptr, {});
    throw;
  }
  executor.arm_value_hook(nullptr, {});
  return std::move(hook).ranges();
}

}  // namespace flipguard::fault_sites
