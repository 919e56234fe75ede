#include "campaign/planning/cell_summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "campaign/planning/cell_design.hpp"
#include "campaign/planning/stop_decision.hpp"
#include "metrics/metric_registry.hpp"
#include "stats/betting_confidence_sequence.hpp"
#include "stats/betting_interval.hpp"
#include "stats/binomial.hpp"
#include "stats/paired_difference.hpp"
#include "stats/student_t.hpp"

namespace flipguard::campaign {

MeanEstimate estimate_mean(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("estimate_mean: no values");
  MeanEstimate e;
  e.n = static_cast<std::int64_t>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  e.mean = sum / static_cast<double>(e.n);
  if (e.n < 2) {
    e.std = e.ci95 = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  double ss = 0;  // two-pass: numerically stable for accuracies that barely vary
  for (double v : values) ss += (v - e.mean) * (v - e.mean);
  e.std = std::sqrt(ss / static_cast<double>(e.n - 1));
  e.ci95 = stats::student_t_quantile(0.975, static_cast<double>(e.n - 1)) * e.std /
           std::sqrt(static_cast<double>(e.n));
  e.lo = e.mean - e.ci95;
  e.hi = e.mean + e.ci95;
  return e;
}

MeanEstimate with_interval(std::span<const double> values, double lo, double hi) {
  MeanEstimate e = estimate_mean(values);
  e.lo = lo;
  e.hi = hi;
  e.ci95 = (hi - lo) / 2;
  return e;
}

MeanEstimate trials_estimate(std::span<const double> top1_percent, const StoppingRule& rule) {
  if (rule.interval == stats::IntervalMethod::student_t) return estimate_mean(top1_percent);
  stats::Interval i;
  if (rule.adaptive()) {
    TrialIntervalMonitor monitor = interval_monitor(rule);
    for (double v : top1_percent) monitor.add(v);
    i = monitor.interval();
  } else {
    std::vector<double> x;
    for (double v : top1_percent) x.push_back(std::clamp(v / 100, 0.0, 1.0));
    i = stats::fixed_n_betting_interval(x, 0.05, stats::BettingOptions{}.truncation,
                                        stats::bold_weight(rule.interval));
    i = {100 * i.lo, 100 * i.hi};
  }
  return with_interval(top1_percent, i.lo, i.hi);
}

MeanEstimate paired_estimate(std::span<const double> difference_points, const StoppingRule& rule) {
  if (rule.interval == stats::IntervalMethod::student_t) return estimate_mean(difference_points);
  std::vector<double> d;
  for (double v : difference_points) d.push_back(std::clamp(v / 100, -1.0, 1.0));
  stats::BettingOptions options{.bold_weight = stats::bold_weight(rule.interval)};
  std::int64_t look_every = 1;
  if (rule.adaptive()) {
    options.horizon = std::max(rule.max_trials, 1);
    options.target_half_width = rule.ci_target / 100;
    look_every = rule.wave;
  } else {
    options.horizon = std::max<std::int64_t>(static_cast<std::int64_t>(d.size()), 1);
    look_every = std::max<std::int64_t>(1, options.horizon / 512);
  }
  const stats::Interval i = stats::paired_difference_interval(d, options, look_every);
  return with_interval(difference_points, 100 * i.lo, 100 * i.hi);
}

namespace {

// A design cell (images_per_trial = auto) re-derived from its records: the design fed the stopping metric of
// the trials 0..n-1 present, in trial order (as the campaign fed it), and those trials' records.
struct DesignReplay {
  stats::StratifiedDesign design;
  std::vector<const TrialRecord*> trials;
};

DesignReplay replay_design(std::span<const TrialRecord> records, const StoppingRule& rule) {
  std::vector<const TrialRecord*> by_trial;
  for (const TrialRecord& r : records) by_trial.push_back(&r);
  std::sort(by_trial.begin(), by_trial.end(), [](auto* a, auto* b) { return a->trial < b->trial; });
  const TrialRecord& first = *by_trial.front();
  DesignReplay d{cell_design(rule, first.ber, first.critical_words, first.design_batch), {}};
  for (const TrialRecord* r : by_trial) {
    if (r->trial != static_cast<std::int64_t>(d.trials.size())) break;
    d.design.add(r->metric_percent(rule.metric) / 100);
    d.trials.push_back(r);
  }
  return d;
}

// One metric's observations over the design's complete rounds, in round order, as fractions: per round
// sum_k w_k (mean of its stratum-k trials), the design's own observation rule; an unconditioned trial is a
// round of its own. Only the last round can be incomplete (the trials are 0..n-1); it is left out, as the
// design leaves it out.
std::vector<double> design_observations(const DesignReplay& d, Metric metric) {
  const auto& design = d.design;
  const auto& w = design.weights();
  const std::int64_t strata = static_cast<std::int64_t>(w.size());
  const std::int64_t pilot_rounds = design.pilot_trials() / (strata >= 2 ? strata : 1);
  const auto round_size = [&](std::int64_t round) -> std::int64_t {
    if (round < pilot_rounds || !design.plan()) return strata >= 2 ? strata : 1;
    const auto& pattern = design.plan()->pattern;
    return pattern.empty() ? 1 : std::accumulate(pattern.begin(), pattern.end(), std::int64_t{0});
  };
  std::vector<double> out;
  std::vector<double> sum(w.size(), 0.0);
  std::vector<int> count(w.size(), 0);
  std::int64_t round = -1, in_round = 0;
  bool plain = true;
  const auto close = [&] {
    if (round < 0 || in_round != round_size(round)) return;
    double z = 0;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (count[k]) z += (plain ? 1.0 : w[k]) * sum[k] / count[k];
    out.push_back(std::clamp(z, 0.0, 1.0));
  };
  for (const TrialRecord* r : d.trials) {
    if (r->design_round != round) {
      close();
      round = r->design_round, in_round = 0;
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(count.begin(), count.end(), 0);
    }
    plain = r->stratum < 0;
    const std::size_t k = plain ? 0 : static_cast<std::size_t>(r->stratum);
    sum.at(k) += r->metric_percent(metric) / 100;
    count.at(k) += 1;
    ++in_round;
  }
  close();
  return out;
}

// The betting sequence the design runs, over other observations of the same rounds at level 1 - alpha,
// looked at after every round: valid for them too, since the plan is predictable for every metric of the
// trials.
stats::Interval sequence_interval(const DesignReplay& d, std::span<const double> observations, double alpha) {
  stats::BettingOptions options = stats::design_sequence_options(d.design.options());
  options.alpha = alpha;
  stats::BettingConfidenceSequence sequence(options);
  for (double x : observations) {
    sequence.add(x);
    sequence.look();
  }
  return sequence.running();
}

// A metric of a design cell: the spread of its trials (`ordered_percent`), with the stratified mean over
// complete rounds and the interval given (fractions).
MeanEstimate design_estimate(std::span<const double> ordered_percent, std::span<const double> observations,
                             std::int64_t observed_trials, stats::Interval interval) {
  MeanEstimate e = with_interval(ordered_percent, 100 * interval.lo, 100 * interval.hi);
  double sum = 0;
  for (double x : observations) sum += x;
  e.mean = observations.empty() ? NAN : 100 * sum / static_cast<double>(observations.size());
  e.n = observed_trials;
  return e;
}

// A design cell's summary: the stopping metric gets the design's own interval, every other share metric
// (Top-1, Top-5, SDC-1, SDC-5, ...) the same sequence over its observations of the same rounds. `ordered`:
// each share metric's trials in trial order, as s.estimates lists them.
void summarize_design(CellSummary& s, std::span<const TrialRecord> records, const StoppingRule& rule,
                      const std::vector<std::vector<double>>& ordered) {
  const DesignReplay d = replay_design(records, rule);
  const std::int64_t observed = d.design.observed_trials();
  for (std::size_t k = 0; k < s.estimates.size(); ++k) {
    const Metric m = s.estimates[k].first;
    const auto observations = design_observations(d, m);
    const stats::Interval i =
        rule.metric == m ? d.design.interval() : sequence_interval(d, observations, 0.05);
    s.estimates[k].second = design_estimate(ordered[k], observations, observed, i);
  }
  s.interval = design_interval_name(d.design);
  s.images = d.design.plan() ? d.design.plan()->images : kDesignPilotImages;
  const auto reason = design_decision(d.design, rule);
  s.stopped = reason == StopReason::none ? "incomplete" : to_string(reason);
}

// The built-in metrics' named fields, from the generic estimates (what tables and the CLI read).
// Metrics of the other task (a classifier's in a language model's cell) keep empty estimates.
bool task_measured(const CellSummary& s, Metric m) {
  return m->task == metrics::MetricTask::any ||
         (m->task == metrics::MetricTask::language_model) == s.language_model;
}

// The median metrics' intervals over the cell's trials.
void summarize_medians(CellSummary& s, std::span<const TrialRecord> records) {
  for (const Metric m : metrics::all_metrics()) {
    if (!m->median || !s.measured(m)) continue;
    std::vector<double> values;
    for (const TrialRecord& r : records) values.push_back(metrics::metric_value(m.info(), r.counts()));
    stats::QuantileInterval q;
    if (values.size() == 1)
      q = {.lo = values[0], .hi = values[0], .estimate = values[0], .lo_rank = 1, .hi_rank = 1};
    else
      q = stats::quantile_interval(values, 0.5);
    s.medians.emplace_back(m, q);
  }
}

void set_named_estimates(CellSummary& s) {
  s.top1 = s.estimate(Metric::top1);
  s.top5 = s.estimate(Metric::top5);
  s.sdc1 = s.estimate(Metric::sdc1);
  s.sdc5 = s.estimate(Metric::sdc5);
}

const StoppingRule& latest_rule(std::span<const TrialRecord> records) {
  const TrialRecord* latest = &records.front();
  for (const TrialRecord& r : records)
    if (r.trial > latest->trial) latest = &r;
  return latest->adaptive;
}

}  // namespace

const MeanEstimate& CellSummary::estimate(Metric m) const {
  for (const auto& [metric, e] : estimates)
    if (metric == m) return e;
  throw std::out_of_range("CellSummary: metric '" + to_string(m) + "' has no estimate");
}

bool CellSummary::measured(Metric m) const {
  return task_measured(*this, m) && (!m->needs_labels || labelled) && (!m->needs_clean_outputs || has_sdc);
}

const stats::QuantileInterval* CellSummary::median(Metric m) const {
  for (const auto& [metric, q] : medians)
    if (metric == m) return &q;
  return nullptr;
}

CellSummary summarize(std::span<const TrialRecord> records) {
  if (records.empty()) throw std::invalid_argument("summarize: a cell needs at least one trial record");
  const TrialRecord& first = records.front();
  CellSummary s;
  s.format = first.format;
  s.protection = first.protection;
  s.ber = first.ber;
  s.trials = static_cast<std::int64_t>(records.size());
  s.images = first.images;
  for (const TrialRecord& r : records)
    if (!r.early_stopped) s.images = std::max(s.images, r.images);  // the min below starts from a full trial
  s.memory_overhead = first.memory_overhead;
  s.language_model = first.language_model();
  // Each share metric's trial values, in record order (s.estimates' order).
  for (const Metric m : metrics::all_metrics())
    if (m->range == metrics::MetricRange::share) s.estimates.emplace_back(m, MeanEstimate{});
  std::vector<std::vector<double>> values(s.estimates.size());
  std::vector<double> top1;
  double rel_l2 = 0;
  double flips = 0, changed = 0, corrected = 0, detected = 0, non_finite_trials = 0;
  for (const TrialRecord& r : records) {
    if (r.format != first.format || r.protection != first.protection || r.ber != first.ber)
      throw std::invalid_argument("summarize: records of different cells mixed: '" + first.cell_key() +
                                  "' and '" + r.cell_key() + "'");
    if (r.language_model() != s.language_model)
      throw std::invalid_argument("summarize: records of a language model and of a classifier mixed in '" +
                                  first.cell_key() + "'");
    top1.push_back(r.top1_percent());
    for (std::size_t k = 0; k < s.estimates.size(); ++k)
      values[k].push_back(r.metric_percent(s.estimates[k].first));
    s.labelled = s.labelled && r.labelled;
    s.has_sdc = s.has_sdc && r.has_sdc;
    s.logit_max_abs = std::max(s.logit_max_abs, r.logit_max_abs);
    rel_l2 += r.logit_rel_l2;
    if (!r.early_stopped) s.images = std::min(s.images, r.images);
    s.early_stopped += r.early_stopped ? 1 : 0;
    s.reused += r.reused ? 1 : 0;
    s.started_late += r.start_layer > 0 ? 1 : 0;
    flips += static_cast<double>(r.flips);
    changed += static_cast<double>(r.changed_weights);
    corrected += static_cast<double>(r.ecc_corrected);
    detected += static_cast<double>(r.ecc_detected);
    if (r.non_finite > 0) non_finite_trials += 1;
  }
  const double n = static_cast<double>(s.trials);
  const auto [lo, hi] = std::minmax_element(top1.begin(), top1.end());
  s.top1_min = *lo;
  s.top1_max = *hi;
  s.non_finite_share = non_finite_trials / n;
  s.logit_rel_l2_mean = rel_l2 / n;
  s.flips_mean = flips / n;
  s.changed_weights_mean = changed / n;
  s.ecc_corrected_mean = corrected / n;
  s.ecc_detected_mean = detected / n;
  s.critical = critical_strata(records);
  const TrialRecord* latest = &first;
  for (const TrialRecord& r : records)
    if (r.trial > latest->trial) latest = &r;
  const StoppingRule& rule = latest_rule(records);
  s.metric = rule.metric;
  summarize_medians(s, records);

  if (s.ber == 0) {
    // The clean cell has no fault randomness: its uncertainty is the images' (independent draws of the data
    // set's distribution). Campaigns run it once; of several records, the one over the most images counts.
    const TrialRecord* widest = &first;
    for (const TrialRecord& r : records)
      if (r.images > widest->images) widest = &r;
    const metrics::TrialCounts counts = widest->counts();
    for (std::size_t k = 0; k < s.estimates.size(); ++k) {
      const metrics::MetricInfo& m = s.estimates[k].first.info();
      if (!task_measured(s, s.estimates[k].first)) continue;
      // The fault-free pass is the reference of a metric against it: no corruption by definition.
      const stats::Interval i = m.needs_clean_outputs
                                    ? stats::Interval{0, 0}
                                    : stats::clopper_pearson(counts.*m.count, counts.*m.denominator);
      s.estimates[k].second = with_interval(values[k], 100 * i.lo, 100 * i.hi);
    }
    s.interval = "binomial";
    set_named_estimates(s);
    return s;
  }

  // Intervals and stop decisions read the trials in trial order, as the campaign ran them.
  std::vector<std::pair<std::int64_t, std::size_t>> order;
  for (std::size_t i = 0; i < records.size(); ++i) order.emplace_back(records[i].trial, i);
  std::sort(order.begin(), order.end());
  std::vector<std::vector<double>> ordered(values.size());
  for (std::size_t k = 0; k < values.size(); ++k)
    for (const auto& [trial, i] : order) ordered[k].push_back(values[k][i]);
  if (latest->design_images > 0 && rule.adaptive()) {
    summarize_design(s, records, rule, ordered);
    set_named_estimates(s);
    return s;
  }
  s.interval = stats::to_string(rule.interval);
  for (std::size_t k = 0; k < values.size(); ++k)
    if (task_measured(s, s.estimates[k].first)) s.estimates[k].second = trials_estimate(ordered[k], rule);
  set_named_estimates(s);
  if (rule.adaptive()) {
    std::size_t k = 0;
    while (k < s.estimates.size() && s.estimates[k].first != rule.metric) ++k;
    if (k == s.estimates.size())
      throw std::invalid_argument("summarize: the stopping metric '" + to_string(rule.metric) +
                                  "' is not a share metric");
    const auto reason = decide(ordered[k], rule, s.early_stopped).reason;
    s.stopped = reason == StopReason::none ? "incomplete" : to_string(reason);
  }
  return s;
}

bool is_design_cell(std::span<const TrialRecord> records) {
  return !records.empty() && latest_rule(records).adaptive() &&
         std::all_of(records.begin(), records.end(),
                     [](const TrialRecord& r) { return r.design_images > 0; });
}

MeanEstimate design_difference(std::span<const TrialRecord> a, std::span<const TrialRecord> b,
                               Metric metric) {
  if (!is_design_cell(a) || !is_design_cell(b))
    throw std::invalid_argument(
        "design_difference: both cells must be design cells (images_per_trial = auto)");
  stats::Interval i[2];
  double mean[2];
  std::int64_t observed = 0;
  for (int c = 0; c < 2; ++c) {
    const auto records = c == 0 ? a : b;
    const DesignReplay d = replay_design(records, latest_rule(records));
    const auto observations = design_observations(d, metric);
    i[c] = sequence_interval(d, observations, 0.025);  // 97.5 % each: 95 % for both by the union bound
    double sum = 0;
    for (double x : observations) sum += x;
    mean[c] = observations.empty() ? NAN : sum / static_cast<double>(observations.size());
    if (c == 0) observed = d.design.observed_trials();
  }
  MeanEstimate e;
  e.n = observed;
  e.mean = 100 * (mean[0] - mean[1]);
  e.std = NAN;
  e.lo = 100 * (i[0].lo - i[1].hi);
  e.hi = 100 * (i[0].hi - i[1].lo);
  e.ci95 = (e.hi - e.lo) / 2;
  return e;
}

std::vector<Cell> group_cells(std::span<const TrialRecord> records) {
  std::map<std::string, std::size_t> format_rank, protection_rank;
  std::map<std::tuple<std::size_t, std::size_t, double>, Cell> cells;  // ordered by (format, protection, ber)
  for (const TrialRecord& r : records) {
    // A NaN key would break the map's ordering and silently split or merge cells.
    if (!std::isfinite(r.ber))
      throw std::invalid_argument("group_cells: record '" + r.record_key() + "' has a non-finite BER");
    const auto f = format_rank.try_emplace(r.format, format_rank.size()).first->second;
    const auto p = protection_rank.try_emplace(r.protection, protection_rank.size()).first->second;
    Cell& cell = cells[{f, p, r.ber}];
    if (cell.records.empty()) {
      cell.format = r.format;
      cell.protection = r.protection;
      cell.ber = r.ber;
    }
    cell.records.push_back(r);
  }
  std::vector<Cell> out;
  out.reserve(cells.size());
  for (auto& [key, cell] : cells) out.push_back(std::move(cell));
  return out;
}

}  // namespace flipguard::campaign
