#include "fault_sites/site_pair.hpp"

#include <algorithm>
#include <utility>

namespace flipguard::fault_sites {
namespace {

// One configuration of both sites. The second is built after the first and torn down before it, so each
// restores the executor state it found.
class PairFaults final : public SiteFaults {
 public:
  PairFaults(std::unique_ptr<SiteFaults> first, std::unique_ptr<SiteFaults> second,
             const SecondSiteConfig& config)
      : first_(std::move(first)), second_(std::move(second)), config_(config) {}

  double memory_overhead() const override { return first_->memory_overhead(); }
  std::int64_t critical_words(const faults::FaultModel& model) const override {
    return first_->critical_words(model);
  }
  TrialPatchStats inject(const TrialDraw& draw) override {
    TrialPatchStats stats = first_->inject(draw);
    const double cell_rate = draw.cell_rate > 0 ? draw.cell_rate : draw.model.rate;
    second_model_ = config_.model_at(cell_rate);
    if (second_model_) {
      // Unconditioned: a design stratifies on the first site's critical faults only.
      stats += second_part(second_->inject({.model = *second_model_,
                                            .seed = draw.seed,
                                            .trial = draw.trial,
                                            .condition = std::nullopt,
                                            .images = draw.images,
                                            .cell_rate = 0}));
    }
    return stats;
  }
  TrialPatchStats restore() override {
    TrialPatchStats stats;
    if (second_model_) stats = second_part(second_->restore());
    second_model_.reset();
    stats += first_->restore();
    return stats;
  }
  double output_scale() const override { return first_->output_scale() * second_->output_scale(); }
  bool log_faults(FaultLog log) override {
    const bool first = first_->log_faults(log);
    const bool second = second_->log_faults(log);
    return first || second;
  }

 private:
  // The second site's stats as the pair's: its flips also counted apart, its critical-bit counts left out
  // (they belong to the first site's strata).
  static TrialPatchStats second_part(TrialPatchStats s) {
    s.second_flips = s.flips;
    s.critical_faults = 0;
    s.critical_words = 0;
    return s;
  }

  std::unique_ptr<SiteFaults> first_, second_;
  const SecondSiteConfig& config_;
  std::optional<faults::FaultModel> second_model_;
};

}  // namespace

SitePair::SitePair(std::unique_ptr<FaultSite> first, std::shared_ptr<FaultSite> second,
                   SecondSiteConfig config)
    : first_(std::move(first)), second_(std::move(second)), config_(std::move(config)) {
  // A targeted second fault names targets of the second site: checked here, once.
  // (Any faulty cell's model names the same targets; a small rate keeps a factor from leaving [0, 1].)
  if (const auto model = config_.model_at(1e-12)) second_->check_targets(*model);
}

void SitePair::check_targets(const faults::FaultModel& model) const {
  first_->check_targets(model);
}

int SitePair::first_faulted_cut() const {
  return std::min(first_->first_faulted_cut(), second_->first_faulted_cut());
}

std::vector<std::int64_t> SitePair::stored_sizes() const {
  auto sizes = first_->stored_sizes();
  for (auto s : second_->stored_sizes()) sizes.push_back(s);
  return sizes;
}

std::unique_ptr<SiteFaults> SitePair::configure(const std::string& format, const std::string& protection) {
  auto first = first_->configure(format, protection);
  auto second = second_->configure(config_.format, config_.protection);
  return std::make_unique<PairFaults>(std::move(first), std::move(second), config_);
}

void SitePair::calibrate(Calibration calibration) {
  first_->calibrate(calibration);
  second_->calibrate(calibration);
}

std::unique_ptr<FaultSite> SitePair::only(std::size_t target) {
  return std::make_unique<SitePair>(first_->only(target), second_, config_);
}

}  // namespace flipguard::fault_sites
