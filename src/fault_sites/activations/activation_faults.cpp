#include "fault_sites/activations/activation_faults.hpp"

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "fault_sites/activations/image_faults.hpp"
#include "faults/fault_model_registry.hpp"
#include "memory/format_rounding.hpp"

namespace flipguard::fault_sites {

ActivationFaults::ActivationFaults(engine::Executor& executor, std::vector<engine::WrittenValue> values,
                                   memory::Format format, bool nan_guard)
    : executor_(executor),
      values_(std::move(values)),
      format_(format),
      nan_guard_(nan_guard),
      always_armed_(format.kind() != memory::FormatKind::fp32 || nan_guard) {
  if (!format_.is_float())
    throw std::invalid_argument("formats: '" + format_.name() +
                                "' for activations is not supported yet: fp32, fp16 or bf16 (fixed point "
                                "and int8 need a calibrated range)");
  if (always_armed_) arm();
}

ActivationFaults::~ActivationFaults() {
  disarm();
}

void ActivationFaults::arm() {
  if (armed_) return;
  std::vector<std::string> names;
  for (const auto& v : values_) names.push_back(v.name);
  executor_.arm_value_hook(this, names);
  armed_ = true;
}

void ActivationFaults::disarm() {
  if (!armed_) return;
  executor_.arm_value_hook(nullptr, {});
  armed_ = false;
}

TrialPatchStats ActivationFaults::inject(const TrialDraw& draw) {
  if (draw.condition)
    throw std::invalid_argument(
        "activation faults fall on every inference anew: a trial cannot be conditioned on its count of "
        "critical faults (use design plain)");
  model_ = draw.model;
  images_.assign(draw.images.begin(), draw.images.end());
  draws_.clear();
  const bool per_image = redrawn_per_image(*model_);
  for (const auto& v : values_)
    draws_.push_back({*model_, draw.seed, draw.trial, v.name, value_key(v.name), per_image, format_});
  position_ = 0;
  run_images_ = 0;
  stats_ = {};
  arm();
  return {};  // nothing is patched before the run: the hook counts what it does
}

TrialPatchStats ActivationFaults::restore() {
  draws_.clear();
  model_.reset();
  if (!always_armed_) disarm();
  return std::exchange(stats_, {});
}

void ActivationFaults::run_started(int images) {
  position_ += static_cast<std::size_t>(run_images_);
  run_images_ = images;
}

void ActivationFaults::value_written(int value, engine::ValueView& view, bool repeat) {
  // Storing the value: every element rounded to the format (IEEE round to nearest even; NaN and Inf stay).
  if (format_.kind() != memory::FormatKind::fp32) {
    const memory::Format format = format_;
    view.for_each_span([format](float* data, std::int64_t n) { memory::round_through(format, data, n); });
  }
  if (!draws_.empty() && (model_->rate > 0 || !model_->type().takes_rate)) {
    for (int row = 0; row < view.images(); ++row) {
      const std::size_t at = position_ + static_cast<std::size_t>(row);
      // Without the trial's image list (a single run), the position in the run order stands for the index.
      const std::uint64_t image = at < images_.size() ? images_[at] : at;
      const auto counts = apply_image_faults(draws_[static_cast<std::size_t>(value)], image, view, row,
                                             log_ && !repeat ? &log_ : nullptr);
      if (repeat) continue;  // the same faults again, counted the first time
      stats_.flips += counts.flips;
      stats_.changed_weights += counts.changed;
    }
  }
  // The guard reads every element: a non-finite one (a fault here, or one that reached this value from an
  // earlier fault) reads as 0.
  if (nan_guard_)
    view.for_each_span([](float* data, std::int64_t n) {
      // A select on the exponent bits rather than a branch: the loop vectorises.
      for (std::int64_t i = 0; i < n; ++i) {
        const bool finite = (std::bit_cast<std::uint32_t>(data[i]) & 0x7F800000u) != 0x7F800000u;
        data[i] = finite ? data[i] : 0.0f;
      }
    });
}

}  // namespace flipguard::fault_sites
