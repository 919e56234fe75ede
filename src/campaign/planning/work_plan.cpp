#include "campaign/planning/work_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "campaign/planning/cell_design.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/stop_decision.hpp"
#include "stats/sample_size.hpp"

namespace flipguard::campaign {

std::string PlanCell::label() const {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s %s ber %g", format.c_str(), protection.c_str(), ber);
  return buf;
}

WorkPlan::WorkPlan(std::vector<PlanCell> cells, int trials, StoppingRule rule,
                   std::span<const TrialRecord> existing, int design_batch)
    : cells_(std::move(cells)), state_(cells_.size()), trials_(trials), rule_(rule) {
  if (design_batch > 0 && rule_.adaptive())
    for (std::size_t i = 0; i < cells_.size(); ++i)
      if (cells_[i].ber > 0) {
        state_[i].design.emplace(cell_design(rule_, cells_[i].ber, cells_[i].critical_words, design_batch));
        state_[i].strata = design_strata(cells_[i].critical_words, cells_[i].ber);
      }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    TrialRecord k;
    k.format = cells_[i].format;
    k.protection = cells_[i].protection;
    k.ber = cells_[i].ber;
    index[k.cell_key()] = i;
  }
  for (const auto& r : existing)
    if (auto it = index.find(r.cell_key()); it != index.end()) {
      state_[it->second].top1[r.trial] = r.metric_percent(rule_.metric);
      if (r.early_stopped) state_[it->second].early.insert(r.trial);
    }
  for (std::size_t i = 0; i < cells_.size(); ++i) advance(i);
}

std::int64_t WorkPlan::limit(std::size_t cell) const {
  if (cells_[cell].ber == 0) return 1;
  // A design cell's budget is in images: trials of one image each at the most.
  if (const auto& d = state_[cell].design) return d->image_budget();
  return rule_.adaptive() ? rule_.max_trials : trials_;
}

std::int64_t WorkPlan::upper_bound() const {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < cells_.size(); ++i) n += state_[i].stopped ? state_[i].released : limit(i);
  return n;
}

// Trials needed for the CI target if the cell's mean and spread stay what they are now, in whole waves,
// within [min_trials, max_trials] and never below what the cell already released. Student t: the half-width
// shrinks as 1/sqrt(n), so n (ci / target)^2. Betting: stats::betting_trials_needed, the sample size at which
// the confidence sequence's bets reach the target for this mean and spread.
std::optional<std::int64_t> WorkPlan::projected_trials(std::size_t cell) const {
  const auto& s = state_[cell];
  if (s.stopped) return s.released;
  if (!rule_.adaptive() || cells_[cell].ber == 0) return limit(cell);
  if (s.design) {
    if (!s.design->plan()) return std::nullopt;
    return std::max(static_cast<std::int64_t>(std::ceil(s.design->plan()->predicted_trials)), s.released);
  }
  if (s.top1.size() < 2) return std::nullopt;
  std::vector<double> v;
  for (const auto& [trial, top1] : s.top1) v.push_back(top1);
  const auto e = estimate_mean(v);
  double need;
  if (rule_.interval == stats::IntervalMethod::student_t) {
    const double ratio = e.ci95 / rule_.ci_target;
    need = static_cast<double>(v.size()) * ratio * ratio;
  } else {
    need = stats::betting_trials_needed(e.mean / 100, e.std / 100, rule_.ci_target / 100);
  }
  need = std::min(need, static_cast<double>(rule_.max_trials));
  const auto waves = static_cast<std::int64_t>(std::ceil(need / rule_.wave));
  const std::int64_t projected = std::min<std::int64_t>(waves * rule_.wave, rule_.max_trials);
  return std::max({projected, static_cast<std::int64_t>(rule_.min_trials), s.released});
}

std::int64_t WorkPlan::expected_total() const {
  std::int64_t known = 0, guessed_sum = 0, guessed = 0, unknown = 0;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const auto p = projected_trials(i);
    if (!p) {
      ++unknown;
      continue;
    }
    known += *p;
    if (rule_.adaptive() && cells_[i].ber > 0) guessed_sum += *p, ++guessed;
  }
  const std::int64_t per_unknown = guessed ? (guessed_sum + guessed - 1) / guessed : rule_.max_trials;
  return known + unknown * per_unknown;
}

void WorkPlan::release_up_to(std::size_t cell, std::int64_t count) {
  auto& s = state_[cell];
  for (std::int64_t t = s.released; t < count; ++t) {
    if (s.top1.count(t))
      ++skipped_;
    else
      s.ready.push_back(t);
  }
  s.released = count;
}

// Releases work until the cell waits for running or unreleased trials, or stops. A decision is taken only
// at wave boundaries over trials 0..n-1, all finished, so it never depends on which trials finished first.
void WorkPlan::advance(std::size_t cell) {
  auto& s = state_[cell];
  if (s.design) return advance_design(cell);
  const bool adaptive = rule_.adaptive() && cells_[cell].ber > 0;
  while (!s.stopped) {
    if (s.released == 0) {
      release_up_to(cell, adaptive ? std::min<std::int64_t>(rule_.wave, rule_.max_trials) : limit(cell));
      continue;
    }
    if (!s.ready.empty() || s.in_flight > 0) return;
    if (!adaptive) {
      s.stopped = true;
      return;
    }
    if (!s.monitor) s.monitor.emplace(interval_monitor(rule_));
    for (; s.fed < s.released; ++s.fed) s.monitor->add(s.top1.at(s.fed));
    std::int64_t early = 0;
    for (std::int64_t t = 0; t < s.released; ++t) early += s.early.count(t) ? 1 : 0;
    const auto d = decide(*s.monitor, rule_, early);
    if (d.reason != StopReason::none) {
      s.stopped = true;
      s.reason = d.reason;
      char line[300];
      std::snprintf(line, sizeof line,
                    "%s: %s after %lld trials (95%% interval [%.2f, %.2f], half-width %.2f points, %s, "
                    "target %.2f)",
                    cells_[cell].label().c_str(), to_string(d.reason).c_str(),
                    static_cast<long long>(s.released), d.interval.lo, d.interval.hi, d.half_width,
                    stats::to_string(rule_.interval).c_str(), rule_.ci_target);
      messages_.push_back(line);
      return;
    }
    release_up_to(cell, std::min<std::int64_t>(s.released + rule_.wave, rule_.max_trials));
  }
}

// As advance, with the design deciding: the pilot is one release (the plan needs all of it), then waves of
// the plan's trials, each decision over trials 0..n-1 in trial order.
void WorkPlan::advance_design(std::size_t cell) {
  auto& s = state_[cell];
  auto& d = *s.design;
  while (!s.stopped) {
    if (s.released == 0) {
      release_up_to(cell, d.pilot_trials());
      continue;
    }
    if (!s.ready.empty() || s.in_flight > 0) return;
    for (; s.fed < s.released; ++s.fed) d.add(s.top1.at(s.fed) / 100);
    const stats::Interval i = d.interval();
    const double half_width = 100 * (i.hi - i.lo) / 2;
    const StopReason reason = design_decision(d, rule_);
    if (reason != StopReason::none) {
      s.stopped = true;
      s.reason = reason;
      char line[400];
      std::snprintf(line, sizeof line,
                    "%s: %s after %lld trials, %lld images (95%% interval [%.2f, %.2f], half-width %.2f "
                    "points, %s, %d images per trial, target %.2f)",
                    cells_[cell].label().c_str(), to_string(reason).c_str(),
                    static_cast<long long>(s.released), static_cast<long long>(d.images_used()), 100 * i.lo,
                    100 * i.hi, half_width, design_interval_name(d).c_str(),
                    d.plan() ? d.plan()->images : kDesignPilotImages, rule_.ci_target);
      messages_.push_back(line);
      return;
    }
    release_up_to(cell, s.released + rule_.wave);
  }
}

TrialDesign WorkPlan::trial_design(std::size_t cell, std::int64_t trial) const {
  const auto& s = state_[cell];
  const auto a = s.design->assignment(trial);
  TrialDesign t{a.images, design_round(*s.design, trial), a.stratum, 0, -1};
  if (a.stratum >= 0) {
    const auto& k = s.strata.at(static_cast<std::size_t>(a.stratum));
    t.lo = k.lo;
    t.hi = k.hi == std::numeric_limits<std::int64_t>::max() ? -1 : k.hi;
  }
  return t;
}

std::optional<WorkUnit> WorkPlan::next(std::optional<std::size_t> preferred_config) {
  auto take = [&](std::size_t i) {
    auto& s = state_[i];
    WorkUnit u{i, s.ready.front(), std::nullopt};
    s.ready.pop_front();
    if (s.design) u.design = trial_design(i, u.trial);
    ++s.in_flight;
    return u;
  };
  if (preferred_config)
    for (std::size_t i = 0; i < cells_.size(); ++i)
      if (cells_[i].config == *preferred_config && !state_[i].ready.empty()) return take(i);
  for (std::size_t i = 0; i < cells_.size(); ++i)
    if (!state_[i].ready.empty()) return take(i);
  return std::nullopt;
}

void WorkPlan::complete(const WorkUnit& unit, double top1_percent, bool early_stopped) {
  if (unit.cell >= cells_.size() || state_[unit.cell].in_flight == 0)
    throw std::logic_error("work plan: completion of a unit that was not handed out");
  auto& s = state_[unit.cell];
  --s.in_flight;
  s.top1[unit.trial] = top1_percent;
  if (early_stopped) s.early.insert(unit.trial);
  advance(unit.cell);
}

bool WorkPlan::finished() const {
  return std::all_of(state_.begin(), state_.end(), [](const State& s) { return s.stopped; });
}

std::vector<std::string> WorkPlan::take_messages() {
  std::vector<std::string> m;
  m.swap(messages_);
  return m;
}

}  // namespace flipguard::campaign
