#include "fault_sites/activations/activation_faults.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "fault_sites/activations/image_faults.hpp"
#include "faults/fault_model_registry.hpp"
#include "faults/sampler.hpp"
#include "memory/format_rounding.hpp"
#include "protect/read_guard_values.hpp"

namespace flipguard::fault_sites {

ActivationFaults::ActivationFaults(engine::Executor& executor, std::vector<engine::WrittenValue> values,
                                   ActivationStorage storage)
    : executor_(executor), values_(std::move(values)), storage_(std::move(storage)) {
  const memory::Format& format = storage_.format;
  if (storage_.needs_ranges() && storage_.ranges.size() != values_.size())
    throw std::logic_error("activation faults: " + std::to_string(storage_.ranges.size()) + " ranges for " +
                           std::to_string(values_.size()) + " values");
  if (format.is_int8())
    for (const auto& r : storage_.ranges) scales_.push_back(r.max_abs() > 0 ? r.max_abs() / 127.0f : 1.0f);
  if (storage_.ecc) ecc_.emplace(*storage_.ecc);
  std::uint64_t data_bits = 0, check_bits = 0;
  for (const auto& v : values_) {
    const auto n = static_cast<std::uint64_t>(v.elements_per_image());
    const std::uint64_t check = ecc_ ? ecc_->check_bits(n, format.bits()) : 0;
    data_bits += n * format.bits();
    check_bits += check;
    value_bits_.push_back(n * format.bits() + check);  // a single fault's odds: data and check bits
  }
  memory_overhead_ = data_bits > 0 ? static_cast<double>(check_bits) / static_cast<double>(data_bits) : 0;
  always_armed_ =
      format.kind() != memory::FormatKind::fp32 || storage_.nan_guard || storage_.ranger || storage_.clip_act;
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
    draws_.push_back({*model_, draw.seed, draw.trial, v.name, value_key(v.name), per_image, storage_.format,
                      storage_.format.is_int8() ? scales_[draws_.size()] : 1.0f, ecc_ ? &*ecc_ : nullptr});
  // Targets on other values are another site's (a layer campaign's one-value sites share the model), and a
  // target on an image the trial does not run changes nothing: the campaign checked them all.
  targets_ = resolve_value_targets(*model_, values_, storage_.format.bits(), /*others_allowed=*/true);
  position_ = 0;
  run_images_ = 0;
  stats_ = {};
  arm();
  return {};  // nothing is patched before the run: the hook counts what it does
}

TrialPatchStats ActivationFaults::restore() {
  flush_log();
  draws_.clear();
  targets_.clear();
  model_.reset();
  if (!always_armed_) disarm();
  return std::exchange(stats_, {});
}

void ActivationFaults::flush_log() {
  for (const auto& p : pending_)
    log_({values_[static_cast<std::size_t>(p.value)].name, p.image, p.element, p.word_before, p.word_after,
          p.before, p.after});
  pending_.clear();
}

void ActivationFaults::run_started(int images) {
  flush_log();
  position_ += static_cast<std::size_t>(run_images_);
  run_images_ = images;
  nan_likely_ = false;
}

void ActivationFaults::value_written(int value, engine::ValueView& view, bool repeat) {
  const auto v = static_cast<std::size_t>(value);
  const memory::Format& format = storage_.format;
  // Storing the value: every element rounded to the format (floats: IEEE round to nearest even, NaN and Inf
  // kept). Fixed-point and int8 words hold no NaN: a NaN that reached this value from an earlier fault
  // stores as 0.
  if (format.is_int8()) {
    const float scale = scales_[v];
    view.for_each_span([scale](float* data, std::int64_t n) { memory::round_through_int8(data, n, scale); });
  } else if (format.is_fixed()) {
    view.for_each_span([format](float* data, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) data[i] = std::isnan(data[i]) ? 0.0f : data[i];
      memory::round_through(format, data, n);
    });
  } else if (format.kind() != memory::FormatKind::fp32) {
    view.for_each_span([format](float* data, std::int64_t n) { memory::round_through(format, data, n); });
  }
  if (repeat && log_) std::erase_if(pending_, [value](const Pending& p) { return p.value == value; });
  if (!draws_.empty() && (model_->rate > 0 || !model_->type().takes_rate)) {
    // (clip-act below zeroes what is out of range, NaN included; ranger clamps but lets a NaN through
    // unless nanguard comes first: nothing extreme leaves this value then.)
    const bool bounded = storage_.clip_act || (storage_.ranger && storage_.nan_guard);
    const FaultLog pend = [this, value](const ElementFault& f) {
      pending_.push_back({value, f.image, f.element, f.word_before, f.word_after, f.before, f.after});
    };
    for (int row = 0; row < view.images(); ++row) {
      const std::size_t at = position_ + static_cast<std::size_t>(row);
      // Without the trial's image list (a single run), the position in the run order stands for the index.
      const std::uint64_t image = at < images_.size() ? images_[at] : at;
      ImageFaultCounts counts;
      if (!model_->targets.empty()) {  // the named flips of this image, if any
        std::vector<faults::ElementBit> here;
        for (const auto& t : targets_)
          if (t.value == v && t.image == image) here.push_back({t.element, t.bit});
        if (here.empty()) continue;
        const faults::SampleRegion region{static_cast<std::uint64_t>(view.elements_per_image()),
                                          format.bits(), values_[v].name};
        counts = apply_data_faults(draws_[v], image, faults::targeted_flips(region, here), view, row,
                                   log_ ? &pend : nullptr);
      } else if (model_->type().one_per_image) {  // the image's one fault, if it falls in this value
        const auto single = draw_single_fault(draws_[v].seed, draws_[v].trial, image, value_bits_);
        if (single.value != v) continue;
        if (const auto& range = model_->value_range; !range.empty()) {  // a random value in the element
          const auto element =
              static_cast<std::int64_t>(single.element_unit * static_cast<double>(view.elements_per_image()));
          const double value = range[0] + (range[1] - range[0]) * single.unit;
          counts = apply_random_value(draws_[v], image, element, value, view, row, log_ ? &pend : nullptr);
        } else {
          counts = apply_single_fault(draws_[v], image, single.bit, view, row, log_ ? &pend : nullptr);
        }
      } else {
        counts = apply_image_faults(draws_[v], image, view, row, log_ ? &pend : nullptr);
      }
      nan_likely_ = nan_likely_ || (counts.extreme > 0 && !bounded);
      if (repeat) continue;  // the same faults again, counted the first time
      stats_.flips += counts.flips;
      stats_.changed_weights += counts.changed;
      stats_.ecc_corrected += counts.corrected;
      stats_.ecc_detected += counts.detected;
    }
  }
  // The read guards, in the protection stack's order (nanguard, then the range guards): each reads every
  // element, since a non-finite or out-of-range one may come from a fault here or from an earlier value.
  // The same per-value rules as the guards on stored weights (protect/read_guard_values.hpp).
  if (storage_.nan_guard)
    view.for_each_span([](float* data, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) data[i] = protect::finite_or_zero(data[i]);
    });
  if (storage_.ranger) {
    const ValueRange r = storage_.ranges[v];
    view.for_each_span([r](float* data, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) data[i] = protect::clamped_to(data[i], r.lo, r.hi);
    });
  }
  if (storage_.clip_act) {
    const ValueRange r = storage_.ranges[v];
    view.for_each_span([r](float* data, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) data[i] = protect::zero_outside(data[i], r.lo, r.hi);
    });
  }
}

}  // namespace flipguard::fault_sites
