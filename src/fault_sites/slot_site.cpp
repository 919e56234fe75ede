#include "fault_sites/slot_site.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "faults/critical_conditioning.hpp"

namespace flipguard::fault_sites {

SlotSite::SlotSite(engine::Executor& executor, std::vector<engine::WeightSlot*> slots)
    : executor_(executor), slots_(std::move(slots)) {}

std::vector<std::string> SlotSite::targets() const {
  std::vector<std::string> names;
  for (const auto* s : slots_) names.push_back(s->name());
  return names;
}

void SlotSite::check_targets(const faults::FaultModel& model) const {
  check_fault_targets(model, slots_);
}

int SlotSite::first_faulted_cut() const {
  int cut = executor_.layer_count();
  for (const auto* s : slots_) cut = std::min(cut, executor_.cut_before(s->name()));
  return slots_.empty() ? 0 : cut;
}

std::vector<std::int64_t> SlotSite::stored_sizes() const {
  std::vector<std::int64_t> sizes;
  for (const auto* s : slots_) sizes.push_back(s->size());
  return sizes;
}

std::int64_t SlotSite::critical_words(const faults::FaultModel& model, const memory::Format& format) const {
  // Every stored element is one word of the format (FaultyWeights::critical_words, before it is built).
  if (!faults::conditionable(model, format.critical_bit())) return 0;
  std::int64_t words = 0;
  for (const auto* s : slots_) words += static_cast<std::int64_t>(s->clean().size());
  return words;
}

std::unique_ptr<SiteFaults> SlotSite::configure(const std::string& format, const std::string& protection) {
  return std::make_unique<FaultyWeights>(executor_, slots_, format, protection);
}

std::unique_ptr<FaultSite> SlotSite::only(std::size_t target) {
  if (target >= slots_.size())
    throw std::out_of_range("stored weights: target " + std::to_string(target) + " of " +
                            std::to_string(slots_.size()));
  return std::make_unique<SlotSite>(executor_, std::vector{slots_[target]});
}

}  // namespace flipguard::fault_sites
