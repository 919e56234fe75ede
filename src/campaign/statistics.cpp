#include "campaign/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include "campaign/stopping_rule.hpp"

namespace flipguard::campaign {

namespace {

// Continued fraction of the regularized incomplete beta function (modified Lentz), valid and fast for
// x < (a + 1) / (a + b + 2); the caller uses the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere.
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-16;
  // Convergence takes O(sqrt(max(a, b))) terms; bound generously so large df still converge.
  const int max_terms = 1000 + static_cast<int>(20 * std::sqrt(std::max(a, b)));
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= max_terms; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < eps) return h;
  }
  return h;  // not fully converged only for absurd parameters; the bisection above it tolerates that
}

}  // namespace

double regularized_incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
  return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}

namespace {

// Bisection on a monotone function over [lo, hi] until the interval is relatively tight: robust for any
// df, where Newton steps can overshoot in the heavy tails of df = 1.
template <class F>
double bisect(F increasing, double target, double lo, double hi) {
  for (int i = 0; i < 4000 && hi - lo > 1e-15 * std::max(std::fabs(hi), std::fabs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (increasing(mid) < target)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1))
    throw std::invalid_argument("t quantile: probability must be in (0, 1), got " + std::to_string(p));
  if (!(df > 0))
    throw std::invalid_argument("t quantile: degrees of freedom must be > 0, got " + std::to_string(df));
  if (p == 0.5) return 0;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  const double tail = 2 * (1 - p);  // two-sided tail mass beyond |t|
  if (df > 1e7) {
    // The incomplete beta's continued fraction gets slow; t and normal differ by < 1e-7 relative here.
    const double z = bisect([](double v) { return -std::erfc(v / std::sqrt(2.0)); }, -tail, 0.0, 40.0);
    return z;
  }
  // P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2), increasing in x: solve for x, then t.
  const double x =
      bisect([df](double v) { return regularized_incomplete_beta(df / 2, 0.5, v); }, tail, 0.0, 1.0);
  return std::sqrt(df * (1 - x) / x);
}

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
  e.ci95 =
      student_t_quantile(0.975, static_cast<double>(e.n - 1)) * e.std / std::sqrt(static_cast<double>(e.n));
  return e;
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
  std::vector<double> top1, top5;
  double flips = 0, changed = 0, corrected = 0, detected = 0, non_finite_trials = 0;
  for (const TrialRecord& r : records) {
    if (r.format != first.format || r.protection != first.protection || r.ber != first.ber)
      throw std::invalid_argument("summarize: records of different cells mixed: '" + first.cell_key() +
                                  "' and '" + r.cell_key() + "'");
    top1.push_back(r.top1_percent());
    top5.push_back(r.top5_percent());
    if (!r.early_stopped) s.images = std::min(s.images, r.images);
    s.early_stopped += r.early_stopped ? 1 : 0;
    flips += static_cast<double>(r.flips);
    changed += static_cast<double>(r.changed_weights);
    corrected += static_cast<double>(r.ecc_corrected);
    detected += static_cast<double>(r.ecc_detected);
    if (r.non_finite > 0) non_finite_trials += 1;
  }
  const double n = static_cast<double>(s.trials);
  s.top1 = estimate_mean(top1);
  s.top5 = estimate_mean(top5);
  const auto [lo, hi] = std::minmax_element(top1.begin(), top1.end());
  s.top1_min = *lo;
  s.top1_max = *hi;
  s.non_finite_share = non_finite_trials / n;
  s.flips_mean = flips / n;
  s.changed_weights_mean = changed / n;
  s.ecc_corrected_mean = corrected / n;
  s.ecc_detected_mean = detected / n;
  s.critical = critical_strata(records);
  const TrialRecord* latest = &first;
  for (const TrialRecord& r : records)
    if (r.trial > latest->trial) latest = &r;
  if (latest->adaptive.adaptive()) {
    std::vector<std::pair<std::int64_t, double>> by_trial;
    for (const TrialRecord& r : records) by_trial.emplace_back(r.trial, r.top1_percent());
    std::sort(by_trial.begin(), by_trial.end());
    std::vector<double> ordered;
    for (const auto& [t, v] : by_trial) ordered.push_back(v);
    const auto reason = decide(ordered, latest->adaptive, s.early_stopped).reason;
    s.stopped = reason == StopReason::none ? "incomplete" : to_string(reason);
  }
  return s;
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
