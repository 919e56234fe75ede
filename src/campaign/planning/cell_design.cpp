#include "campaign/planning/cell_design.hpp"

#include <numeric>
#include <stdexcept>
#include <string>

namespace flipguard::campaign {

std::vector<stats::CountStratum> design_strata(std::int64_t critical_words, double ber) {
  if (critical_words <= 0 || !(ber > 0)) return {};
  auto strata = stats::binomial_strata(critical_words, ber);
  if (strata.size() < 2) return {};
  return strata;
}

stats::StratifiedDesign cell_design(const StoppingRule& rule, double ber, std::int64_t critical_words,
                                    int batch) {
  if (!rule.adaptive()) throw std::invalid_argument("a cell design needs an adaptive rule (ci_target > 0)");
  stats::DesignOptions o;
  o.target_half_width = rule.ci_target / 100;
  o.min_trials = rule.min_trials;
  o.max_trials = rule.max_trials;
  o.pilot_images = kDesignPilotImages;
  o.batch = batch;
  o.bold_weight = stats::bold_weight(rule.interval);
  for (int m = 1; m <= kDesignMaxImages; m *= 2) o.image_choices.push_back(m);
  std::vector<double> weights;
  for (const auto& s : design_strata(critical_words, ber)) weights.push_back(s.weight);
  return stats::StratifiedDesign(std::move(weights), o);
}

std::int64_t design_round(const stats::StratifiedDesign& design, std::int64_t trial) {
  const std::int64_t strata = static_cast<std::int64_t>(design.weights().size());
  const std::int64_t pilot = design.pilot_trials();
  const std::int64_t per_pilot_round = strata >= 2 ? strata : 1;
  if (trial < pilot) return trial / per_pilot_round;
  if (!design.plan())
    throw std::logic_error("design round of trial " + std::to_string(trial) + " before the plan");
  const auto& pattern = design.plan()->pattern;
  const std::int64_t per_round =
      pattern.empty() ? 1 : std::accumulate(pattern.begin(), pattern.end(), std::int64_t{0});
  return pilot / per_pilot_round + (trial - pilot) / per_round;
}

StopReason design_decision(const stats::StratifiedDesign& design, const StoppingRule& rule) {
  const stats::Interval i = design.interval();
  const double half_width = 100 * (i.hi - i.lo) / 2;
  // Like plain betting cells, zero spread is evidence here: a confidence sequence stays valid at any stop,
  // and a cell whose every trial collapses to 0 % needs only its interval to narrow (t never gets here).
  if (design.plan() && design.observed_trials() >= rule.min_trials && half_width <= rule.ci_target)
    return StopReason::target_reached;
  return design.budget_spent() ? StopReason::max_reached : StopReason::none;
}

// Stratified whenever the cell has strata: its pilot rounds are, whatever the plan after it.
std::string design_interval_name(const stats::StratifiedDesign& design) {
  const std::string method = design.options().bold_weight > 0 ? "betting-mix" : "betting";
  return method + (design.weights().size() >= 2 ? "-stratified" : "-design");
}

}  // namespace flipguard::campaign
