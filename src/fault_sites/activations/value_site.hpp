// The activations site on one executor: the values nodes write, chosen by the `tensors` selection; each
// configuration (a storage format x a protection) is an ActivationFaults armed on the executor.
#pragma once

#include <memory>
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
  void calibrate(Calibration calibration) override { calibration_ = std::move(calibration); }

 private:
  engine::Executor& executor_;
  std::vector<engine::WrittenValue> values_;
  Calibration calibration_;
  std::vector<ValueRange> ranges_;  // profiled on the calibration images when first needed
};

// Whether a configuration of activations needs calibration images: int8 storage (its scale), ranger and
// clip-act (their bounds).
bool activations_need_calibration(const std::string& format, const std::string& protection);

}  // namespace flipguard::fault_sites
