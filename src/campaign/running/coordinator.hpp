// The single owner of a campaign's results file and work plan: hands out units, takes finished records
// (appending each to the file before the plan sees it, so a kill loses at most the running trials), logs
// stop decisions and reports progress. Transport-agnostic: the serial loop and MPI rank 0 both drive it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>

#include "campaign/planning/work_plan.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "platform/interrupt.hpp"

namespace flipguard::campaign {

class Coordinator {
 public:
  Coordinator(const CampaignConfig& config, const CampaignSetup& setup,
              std::function<void(const CampaignProgress&)> progress, std::ostream& log);

  std::optional<WorkUnit> next(std::optional<std::size_t> preferred_config = std::nullopt) {
    return plan_.next(preferred_config);
  }
  // Checks that `r` is the record of `unit` in this campaign, appends it, and updates the plan.
  void accept(const WorkUnit& unit, const TrialRecord& r);
  bool finished() const { return plan_.finished(); }
  const WorkPlan& plan() const { return plan_; }
  // Totals so far; logs the trial count and stop reason of each cell when the campaign is finished.
  CampaignSummary summary();

 private:
  void flush_messages();

  std::chrono::steady_clock::time_point start_;
  std::string campaign_id_;
  ResultsFile results_;
  WorkPlan plan_;
  std::function<void(const CampaignProgress&)> progress_;
  std::ostream& log_;
  CampaignProgress prog_;
  CampaignSummary summary_;
  std::int64_t images_done_ = 0, faulty_images_ = 0, faulty_trials_ = 0;
  double busy_seconds_ = 0;
};

// "interrupted by SIGINT: 12 trials of this run kept in FILE (40 in all, ...); run the same command again to
// resume": what an interrupted campaign tells its user.
std::string interrupted_note(const platform::Interrupted& e, const CampaignSummary& summary);

// The transport-agnostic worker loop in one process: take a unit, run it, hand back its record. A signal
// (platform/interrupt.hpp) ends it between trials or abandons the running one, with interrupted_note().
CampaignSummary run_serial(const CampaignConfig& config, const CampaignSetup& setup,
                           const std::function<void(const CampaignProgress&)>& progress, std::ostream& log);

}  // namespace flipguard::campaign
