// Splits a cell's trials by whether any fault hit the format's critical bit (Format::critical_bit).
//
// Why: near a float model's collapse, one event mostly decides a trial, "some weight's top exponent bit
// flipped"; trials then score near the clean accuracy or near chance. Showing the two groups (with the exact
// probability of the first, K ~ Binomial(words, rate)) tells a user what kills the model and what a
// protection of that one bit would buy. It is a diagnostic of ordinary (unconditioned) trials, not the cell's
// estimate: post-stratifying them after the fact with a t-interval under-covers badly when outcomes inside a
// stratum are themselves rare-event mixtures (simulated: 61% coverage at 30 trials with 5% survivors among K
// >= 1). Stratifying validly is done by design instead: trials drawn conditioned on their stratum, combined
// in rounds with exact weights under a betting confidence sequence (stats/stratified_design.hpp,
// faults/critical_conditioning.hpp, FaultyWeights::inject with a CriticalCondition; docs/statistics.md).
#pragma once

#include <cstdint>
#include <span>

#include "campaign/records/trial_record.hpp"

namespace flipguard::campaign {

// P(K = 0) for K ~ Binomial(words, rate), computed without underflow trouble for large `words`.
double probability_no_critical_fault(std::int64_t words, double rate);

struct CriticalStrata {
  bool known = false;  // the cell's records carry one binomial critical-word count (per-bit fault models)
  double p_none = 1;   // P(a trial has no fault on the critical bit)
  std::int64_t trials_none = 0, trials_hit = 0;
  double top1_none = 0, top1_hit = 0;  // mean Top-1 % of each group (0 for an empty group)
};

// Throws std::invalid_argument on records of different cells (as summarize does).
CriticalStrata critical_strata(std::span<const TrialRecord> records);

}  // namespace flipguard::campaign
