#include "fault_sites/activations/value_site.hpp"

#include <algorithm>
#include <stdexcept>

#include "fault_sites/activations/activation_faults.hpp"
#include "fault_sites/activations/value_targets.hpp"
#include "faults/fault_model_registry.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::fault_sites {

ValueSite::ValueSite(engine::Executor& executor, std::vector<engine::WrittenValue> values)
    : executor_(executor), ranges_(std::make_shared<Ranges>()), values_(values) {
  ranges_->values = std::move(values);
}

ValueSite::ValueSite(engine::Executor& executor, std::shared_ptr<Ranges> ranges, std::size_t first,
                     std::size_t count)
    : executor_(executor),
      ranges_(std::move(ranges)),
      first_(first),
      values_(ranges_->values.begin() + static_cast<std::ptrdiff_t>(first),
              ranges_->values.begin() + static_cast<std::ptrdiff_t>(first + count)) {}

void ValueSite::calibrate(Calibration calibration) {
  ranges_->calibration = std::move(calibration);
  // Profiled now, on the executor as it is (fault-free, its weights as loaded), not when a configuration
  // first needs them: by then another site of the same trials (a weights configuration beside these values)
  // may have changed what the model computes, and the ranges would follow whichever configuration came first.
  ranges_->profiled = ranges_->calibration.images
                          ? profile_values(executor_, ranges_->values, ranges_->calibration)
                          : std::vector<ValueRange>{};
}

std::unique_ptr<FaultSite> ValueSite::only(std::size_t target) {
  if (target >= values_.size())
    throw std::out_of_range("activations: target " + std::to_string(target) + " of " +
                            std::to_string(values_.size()));
  return std::unique_ptr<FaultSite>(new ValueSite(executor_, ranges_, first_ + target, 1));
}

std::vector<std::string> ValueSite::targets() const {
  std::vector<std::string> out;
  for (const auto& v : values_) out.push_back(v.name);
  return out;
}

void ValueSite::check_targets(const faults::FaultModel& model) const {
  (void)resolve_value_targets(model, values_);  // the word width is checked per configuration
}

int ValueSite::first_faulted_cut() const {
  int cut = executor_.layer_count();
  for (const auto& v : values_) cut = std::min(cut, v.cut);
  return values_.empty() ? 0 : cut;
}

namespace {

// The configuration `format` x `protection` of activations, refused where it does not apply.
ActivationStorage storage_of(const std::string& format, const std::string& protection) {
  const auto spec = protect::ProtectionSpec::parse(protection);
  if (spec.scaling || spec.clip || !spec.added.empty())
    throw std::invalid_argument("protections: '" + protection +
                                "' does not apply to activations yet: none, ecc72|ecc39|ecc13[:zero|:keep], "
                                "nanguard, ranger, clip-act, joined by '+'");
  ActivationStorage storage{.format = memory::Format::parse(format),
                            .ecc = spec.ecc,
                            .nan_guard = spec.nan_guard,
                            .ranger = spec.ranger,
                            .clip_act = spec.clip_act,
                            .ranges = {}};
  if (storage.format.kind() == memory::FormatKind::int8_channel)
    throw std::invalid_argument("formats: 'int8-channel' for activations: use int8 (one scale per value)");
  return storage;
}

}  // namespace

bool activations_need_calibration(const std::string& format, const std::string& protection) {
  return storage_of(format, protection).needs_ranges();
}

std::unique_ptr<SiteFaults> ValueSite::configure(const std::string& format, const std::string& protection) {
  ActivationStorage storage = storage_of(format, protection);
  if (storage.needs_ranges()) {
    if (!ranges_->calibration.images)
      throw std::invalid_argument("activations in '" + format + "' behind '" + protection +
                                  "' need ranges profiled on calibration images, and none were given");
    const auto first = ranges_->profiled.begin() + static_cast<std::ptrdiff_t>(first_);
    storage.ranges.assign(first, first + static_cast<std::ptrdiff_t>(values_.size()));
  }
  return std::make_unique<ActivationFaults>(executor_, values_, std::move(storage));
}

}  // namespace flipguard::fault_sites
