// An adaptive cell design that pays for validity with design rather than with coverage: a pilot, then a plan
// (images per trial, and whether to stratify trials on the critical-fault count) chosen from the pilot to
// reach the target half-width at the least cost, and a betting confidence sequence over observations whose
// mean is the cell's mean whatever the plan.
//
// Observations. Strata k (binomial_strata) have exact weights w_k. A round takes n_k >= 1 trials from each
// stratum k (the trial's faults drawn conditioned on its stratum) and yields
//   Z = sum_k w_k (mean of its n_k trials of stratum k),
// which lies in [0, 1] and has conditional mean sum_k w_k mu_k = mu, the cell's mean, given everything before
// it, whatever n_k (fixed before the round). So the rounds, fed to a betting confidence sequence, give an
// interval for mu that holds at every round at once (Ville's inequality as for plain trials), with the
// stratified variance sum_k w_k^2 sigma_k^2 / n_k per round instead of sigma^2 / (sum n_k): no union bound,
// no error split. A plain (unconditioned) trial is an observation of its own with mean mu. The pilot is
// rounds of one trial per stratum at `pilot_images` (plain trials when there is one stratum); the plan, fixed
// after the pilot, may switch to plain trials, a Neyman-like pattern n_k, and another image count: all
// predictable choices, so the sequence stays valid.
//
// Choosing the plan. Per stratum the pilot gives the mean and the split of the variance into fault spread
// and image noise (trial_variance); for each candidate image count m and each design (plain; patterns of
// R = S..8S trials, n_k proportional to w_k sigma_k(m), at least 1) it predicts the observations the betting
// sequence needs (betting_trials_needed for the observation's mean and spread), the trials that makes, and
// their cost, trials x (m rounded up to whole batches + trial_overhead) images; the cheapest plan predicted
// to finish within 1.25 times the image budget (the planner's error on high-spread data) wins, else the one
// predicted to need the fewest images. Deterministic in the pilot's results.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "stats/betting_confidence_sequence.hpp"
#include "stats/interval.hpp"
#include "stats/trial_variance.hpp"

namespace flipguard::stats {

struct DesignOptions {
  double target_half_width = 0.02;  // of the interval for the mean, as a fraction
  std::int64_t min_trials = 4, max_trials = 100;
  // The budget is in inferences: max_trials trials of pilot_images each, unless max_images > 0 says
  // otherwise. Fewer images per trial may then run more trials.
  std::int64_t max_images = 0;
  int pilot_rounds = 8;            // rounds of one trial per stratum (plain: 4 x this many trials)
  int pilot_images = 16;           // images per pilot trial (>= 2: the pilot splits the variance)
  std::vector<int> image_choices;  // candidate images per trial after the pilot; empty: pilot_images
  double trial_overhead = 1;       // a trial's fixed cost, in images
  // Images are computed in batches of this many, a partial batch at the price of a full one: a trial of m
  // images costs ceil(m / batch) x batch (an engine built for batch 16 pays 16 for a trial of 1 image).
  int batch = 1;
  bool allow_plain = true, allow_stratified = true;
  double alpha = 0.05, truncation = BettingOptions{}.truncation;
  double bold_weight = 0;  // the sequence's bold-bet mixture weight (BettingOptions::bold_weight)
};

struct DesignPlan {
  int images = 0;               // per trial after the pilot
  std::vector<int> pattern;     // trials per stratum in a round; empty: plain trials
  double predicted_trials = 0;  // in all, pilot included
  double predicted_cost = 0;    // images + overhead, pilot included
  bool stratified() const { return !pattern.empty(); }
};

// The options of the betting sequence a design runs over its observations (bets tuned to the target within
// the observations the budget can buy at the fewest images per trial). Any other quantity observed on the
// same rounds (another metric of the same trials) gets a valid sequence with these options too: the plan is
// predictable for it as well.
BettingOptions design_sequence_options(const DesignOptions& options);

struct TrialAssignment {
  int stratum = -1;  // -1: an unconditioned trial
  int images = 0;
};

class StratifiedDesign {
 public:
  // `weights`: exact stratum probabilities (sum 1 within 1e-9); fewer than two: plain trials throughout.
  // Throws std::invalid_argument on bad weights or options.
  StratifiedDesign(std::vector<double> weights, DesignOptions options);

  std::int64_t pilot_trials() const;
  // What trial `trial` is: fixed for the pilot, from the plan afterwards (a function of the trial index and
  // the pilot's results only, so a whole wave can be assigned before any of it finishes). Throws
  // std::logic_error for a trial past the pilot before the pilot's results are in.
  TrialAssignment assignment(std::int64_t trial) const;
  // The result (accuracy in [0, 1]) of trial size(); throws std::invalid_argument outside [0, 1].
  void add(double accuracy);

  std::int64_t size() const { return static_cast<std::int64_t>(results_.size()); }
  std::int64_t images_used() const { return images_used_; }  // images of the trials added so far
  std::int64_t image_budget() const;                         // max_images, or max_trials x pilot_images
  bool budget_spent() const { return images_used_ >= image_budget(); }
  // Trials that belong to complete observations (the interval covers these).
  std::int64_t observed_trials() const { return observed_trials_; }
  std::int64_t observations() const { return sequence_.size(); }
  // Running intersection of the sequence over every complete observation ([0, 1] before any).
  Interval interval() const { return sequence_.running(); }
  // Stratified point estimate over the complete observations (their mean).
  double mean() const { return sequence_.size() ? sequence_.mean() : NAN; }
  bool varies() const;  // two complete observations differ
  const std::optional<DesignPlan>& plan() const { return plan_; }
  const std::vector<double>& weights() const { return weights_; }
  const DesignOptions& options() const { return options_; }

 private:
  int strata() const { return static_cast<int>(weights_.size()); }
  void choose_plan();
  void close_observation(double value, std::int64_t trials);

  std::vector<double> weights_;
  DesignOptions options_;
  std::vector<double> results_;
  std::optional<DesignPlan> plan_;
  BettingConfidenceSequence sequence_;
  std::int64_t observed_trials_ = 0, images_used_ = 0;
  double first_observation_ = NAN;
  bool varies_ = false;
  // The open round: sum of results per stratum so far.
  std::vector<double> round_sum_;
};

}  // namespace flipguard::stats
