#include "fault_sites/activations/value_site.hpp"

#include <algorithm>
#include <stdexcept>

#include "fault_sites/activations/activation_faults.hpp"
#include "fault_sites/activations/value_targets.hpp"
#include "faults/fault_model_registry.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::fault_sites {

ValueSite::ValueSite(engine::Executor& executor, std::vector<engine::WrittenValue> values)
    : executor_(executor), values_(std::move(values)) {}

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
    if (!calibration_.images)
      throw std::invalid_argument("activations in '" + format + "' behind '" + protection +
                                  "' need ranges profiled on calibration images, and none were given");
    if (ranges_.empty()) ranges_ = profile_values(executor_, values_, calibration_);
    storage.ranges = ranges_;
  }
  return std::make_unique<ActivationFaults>(executor_, values_, std::move(storage));
}

}  // namespace flipguard::fault_sites
