// The design an adaptive cell follows under images_per_trial = "auto" (stats/stratified_design.hpp): a
// pilot, then images per trial in 1..64 and plain or stratified trials, chosen from the pilot. Built from
// what every faulty record of the cell carries (stopping rule, BER, critical words), so the work plan, a
// resumed run and the report all re-derive the same design and plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/stopping_rule.hpp"
#include "stats/count_strata.hpp"
#include "stats/stratified_design.hpp"

namespace flipguard::campaign {

// Strata of the critical-fault count K ~ Binomial(critical_words, ber); empty (plain trials) when the fault
// model gives no binomial count (0 words) or K is nearly fixed.
std::vector<stats::CountStratum> design_strata(std::int64_t critical_words, double ber);

// The design of an adaptive cell (rule.ci_target > 0): target, min and max trials from the rule, the image
// budget max_trials x the pilot's images; a trial's images cost whole batches of `batch` (the engine's).
stats::StratifiedDesign cell_design(const StoppingRule& rule, double ber, std::int64_t critical_words,
                                    int batch);

// The design's round (observation) that trial `trial` belongs to; needs the plan for trials past the pilot.
std::int64_t design_round(const stats::StratifiedDesign& design, std::int64_t trial);

// Whether a design cell stops after the trials fed so far: target reached when the design's interval has a
// half-width of at most ci_target (only once the pilot is in, with min_trials and two observations that
// differ), else max reached when its image budget is spent.
StopReason design_decision(const stats::StratifiedDesign& design, const StoppingRule& rule);

// "betting-stratified" for a stratified plan, "betting-design" for plain trials of a chosen image count;
// "betting-mix-stratified", "betting-mix-design" when the sequence mixes in the bold bet (betting-mix).
std::string design_interval_name(const stats::StratifiedDesign& design);

}  // namespace flipguard::campaign
