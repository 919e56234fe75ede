// Which trials of a campaign still have to run, and in what order: the units of work are (cell, trial).
// Cells with fixed trial counts release all their missing trials at once; adaptive cells release waves and
// consult the stopping rule after each complete wave. Trials already in the results file count as done.
// The plan knows nothing of models or processes, so the serial loop and the MPI coordinator share it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "campaign/planning/trial_interval.hpp"
#include "campaign/records/trial_record.hpp"
#include "campaign/settings/stopping_rule.hpp"
#include "stats/count_strata.hpp"
#include "stats/stratified_design.hpp"

namespace flipguard::campaign {

// A cell of the grid. `config` numbers its configuration (format x protection) so units of the
// configuration a process has already built can be preferred. BER 0 is the configuration's clean record.
struct PlanCell {
  std::size_t config = 0;
  std::string format, protection;
  double ber = 0;
  // Words whose critical bit the fault model can hit (the N of the strata's Binomial(N, BER)); only design
  // cells use it, 0: no strata.
  std::int64_t critical_words = 0;
  std::string label() const;  // "q2.5 scale ber 0.0001"
};

// What a trial of a design cell is (cell_design.hpp): its images, its design round and its stratum with
// the stratum's range of critical faults (stratum -1: unconditioned; hi -1: no upper bound).
struct TrialDesign {
  std::int64_t images = 0, round = 0;
  int stratum = -1;
  std::int64_t lo = 0, hi = -1;
};

struct WorkUnit {
  std::size_t cell = 0;
  std::int64_t trial = 0;
  std::optional<TrialDesign> design;  // set for trials of design cells
};

class WorkPlan {
 public:
  // `trials`: per cell when `rule` is not adaptive. The clean cell (BER 0) always has one trial.
  // `existing` are the records already in the results file (matched to cells by format, protection, BER).
  // `design_batch` > 0: adaptive faulty cells follow the design of cell_design.hpp (images_per_trial =
  // "auto"), costing images in whole batches of this many:
  // the pilot first, then waves of the plan; a cell stops when the design's interval meets the target
  // (after the pilot and min_trials, never while every observation is identical) or its image budget is
  // spent.
  WorkPlan(std::vector<PlanCell> cells, int trials, StoppingRule rule, std::span<const TrialRecord> existing,
           int design_batch = 0);

  // The next unit to run, preferring cells of `preferred_config`, else the first cell (in grid order) with
  // released work; nullopt when nothing is released now (a wave may still be running elsewhere).
  std::optional<WorkUnit> next(std::optional<std::size_t> preferred_config = std::nullopt);
  // A unit finished with this value of the rule's metric (Top-1 or SDC-1, percent) (stopped early below the
  // floor or not); may stop the cell or release its next wave.
  void complete(const WorkUnit& unit, double top1_percent, bool early_stopped = false);
  // Every cell stopped and nothing left running.
  bool finished() const;

  const PlanCell& cell(std::size_t i) const { return cells_[i]; }
  const StoppingRule& rule() const { return rule_; }
  std::size_t cells() const { return cells_.size(); }
  std::int64_t skipped() const { return skipped_; }  // released units that were already in the results
  std::int64_t upper_bound() const;                  // most units the plan can hold (done + to run)
  // The likely final size, for ETAs: stopped cells count what they ran, fixed cells their count, an adaptive
  // cell with data the trial count at which an interval of its method would meet the CI target given the
  // cell's mean and spread so far (whole waves, within its bounds; see projected_trials in the .cpp);
  // adaptive cells without data yet the mean of those guesses (the maximum when there is none).
  std::int64_t expected_total() const;
  StopReason reason(std::size_t cell) const { return state_[cell].reason; }
  std::int64_t trials_of(std::size_t cell) const { return state_[cell].released; }
  // Stop decisions since the last call, one line each, for the log.
  std::vector<std::string> take_messages();

 private:
  struct State {
    std::map<std::int64_t, double> top1;  // finished trials' metric (rule.metric; earlier runs included)
    std::set<std::int64_t> early;         // those of them stopped below the floor
    std::int64_t released = 0;            // trials 0..released-1 belong to the cell now
    std::deque<std::int64_t> ready;       // released, neither done nor handed out
    int in_flight = 0;
    bool stopped = false;
    StopReason reason = StopReason::none;
    // Adaptive cells: trials 0..fed-1 fed to the interval in trial order (each wave's decision adds only
    // the new wave instead of recomputing the interval from the first trial).
    std::optional<TrialIntervalMonitor> monitor;
    std::int64_t fed = 0;
    // Design cells: the design fed trials 0..fed-1, and its strata.
    std::optional<stats::StratifiedDesign> design;
    std::vector<stats::CountStratum> strata;
  };
  void advance(std::size_t cell);
  void advance_design(std::size_t cell);
  TrialDesign trial_design(std::size_t cell, std::int64_t trial) const;
  void release_up_to(std::size_t cell, std::int64_t count);
  std::int64_t limit(std::size_t cell) const;
  std::optional<std::int64_t> projected_trials(std::size_t cell) const;

  std::vector<PlanCell> cells_;
  std::vector<State> state_;
  int trials_;
  StoppingRule rule_;
  std::int64_t skipped_ = 0;
  std::vector<std::string> messages_;
};

}  // namespace flipguard::campaign
