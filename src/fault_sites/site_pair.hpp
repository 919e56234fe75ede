// Two fault sites in the same trials: weight faults and activation faults together, each in its own format,
// protection and fault model. The first site's configuration is the grid cell's; the second site is held in
// one configuration for the whole campaign, and its faults follow a fault model whose rate may follow the
// cell's (campaign settings second_*). Trials stay keyed as at each site alone: the second site's draws use
// the same (seed, trial, images) as it would on its own, on streams of its own, so they are independent of
// the first site's and reproducible in any batch, thread count or shard.
//
// The pair answers as the first site for what belongs to the grid: its targets (a layer campaign's layers,
// the critical bit a design stratifies on, the memory overhead of the cell's protection); the second site's
// flips are counted in the trial's flips and apart (TrialPatchStats::second_flips).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

// The second site's one configuration and how its fault model follows a cell's rate.
struct SecondSiteConfig {
  std::string format, protection;
  // The second site's fault model in a cell of this rate; nullopt where it takes no faults (rate 0).
  std::function<std::optional<faults::FaultModel>(double cell_rate)> model_at;
};

class SitePair final : public FaultSite {
 public:
  // `second` is shared so that a pair restricted to one first-site target (only()) faults the same second
  // site.
  SitePair(std::unique_ptr<FaultSite> first, std::shared_ptr<FaultSite> second, SecondSiteConfig config);

  std::vector<std::string> targets() const override { return first_->targets(); }
  void check_targets(const faults::FaultModel& model) const override;
  int first_faulted_cut() const override;
  std::vector<std::int64_t> stored_sizes() const override;
  std::int64_t critical_words(const faults::FaultModel& model, const memory::Format& format) const override {
    return first_->critical_words(model, format);
  }
  std::unique_ptr<SiteFaults> configure(const std::string& format, const std::string& protection) override;
  void calibrate(Calibration calibration) override;
  std::unique_ptr<FaultSite> only(std::size_t target) override;
  std::optional<engine::WrittenValue> written_value(std::size_t target) const override {
    return first_->written_value(target);
  }

 private:
  std::unique_ptr<FaultSite> first_;
  std::shared_ptr<FaultSite> second_;
  SecondSiteConfig config_;
};

}  // namespace flipguard::fault_sites
