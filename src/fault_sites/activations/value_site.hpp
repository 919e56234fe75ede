// The activations site on one executor: the values nodes write, chosen by the `tensors` selection; each
// configuration (a storage format x a protection) is an ActivationFaults armed on the executor.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/value_hook.hpp"
#include "fault_sites/activations/value_profile.hpp"
#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

class ValueSite final : public FaultSite {
 public:
  ValueSite(engine::Executor& executor, std::vector<engine::WrittenValue> values);

  std::vector<std::string> targets() const override;
  void check_targets(const faults::FaultModel& model) const override;
  int first_faulted_cut() const override;
  // Nothing stored beside the model: activations live in the executor's own buffers.
  std::vector<std::int64_t> stored_sizes() const override { return {}; }
  std::int64_t critical_words(const faults::FaultModel&, const memory::Format&) const override { return 0; }
  std::unique_ptr<SiteFaults> configure(const std::string& format, const std::string& protection) override;
  // For this site and the sites of its single values alike.
  void calibrate(Calibration calibration) override;
  std::unique_ptr<FaultSite> only(std::size_t target) override;
  std::optional<engine::WrittenValue> written_value(std::size_t target) const override {
    return values_.at(target);
  }

 private:
  // The calibration images and the ranges profiled on them, for every value the selection chose: shared
  // with the sites of its single values (only()), so one profiling pass serves them all. A value's range
  // does not depend on which others are profiled with it.
  struct Ranges {
    std::vector<engine::WrittenValue> values;
    Calibration calibration;
    std::vector<ValueRange> profiled;  // per value, profiled by calibrate() on the fault-free executor
  };
  // The site of `ranges->values[first, first + count)`.
  ValueSite(engine::Executor& executor, std::shared_ptr<Ranges> ranges, std::size_t first, std::size_t count);

  engine::Executor& executor_;
  std::shared_ptr<Ranges> ranges_;
  std::size_t first_ = 0;                     // this site's first value in ranges_->values
  std::vector<engine::WrittenValue> values_;  // this site's values
};

// Whether a configuration of activations needs calibration images: int8 storage (its scale), ranger and
// clip-act (their bounds).
bool activations_need_calibration(const std::string& format, const std::string& protection);

}  // namespace flipguard::fault_sites
