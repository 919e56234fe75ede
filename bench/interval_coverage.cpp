// Real coverage of the campaign's intervals: whole adaptive and fixed campaigns of one cell simulated
// thousands of times from a known population of per-trial accuracies, through the campaign's own code (the
// work plan's waves and campaign::decide for stopping, campaign::trials_estimate for the reported interval,
// as summarize() computes it). Prints, per scenario, design and interval method: the share of campaigns
// whose 95% interval contains the population mean, the mean trials and images a cell spent, the mean
// half-width, and how often the cell stopped on its target.
//
// Interval methods over plain trials: t (Student t), betting (plug-in bets), betting-mix (plug-in bets
// mixed with a bold bet, the campaigns' default), and, for fixed trial counts only, two outside
// candidates that the campaigns do not use: anderson (Anderson's bound for a bounded mean from the exact
// one-sided Kolmogorov-Smirnov band, Birnbaum-Tingey) and mix+anderson (the two intersected, each at
// alpha / 2: the only valid way to take the better of both).
//
// Besides t and betting over the campaign's plain trials, two designs (stats::StratifiedDesign) run as
// methods: "design" (a pilot, then images per trial chosen from {1, 2, 4, ..., 64} when the population has
// image noise, and trials stratified on the critical-fault count when it has strata, whichever the planner
// predicts cheapest) and "plain-m" (the same without strata). The images column counts inferences (trials x
// images per trial), the currency the designs save.
//
// usage: bench_interval_coverage [--scenario NAME[,NAME...]|all] [--file PATH] [--images K] [--sims N]
//                                [--target POINTS] [--min-trials N] [--max-trials N] [--wave N]
//                                [--fixed N[,N...]] [--seed S] [--check COVERAGE]
//   scenarios (populations of per-trial Top-1):
//     skewed          8 % of trials collapse to U(0, 10 %), the rest N(80 %, 2 %)
//     all-or-nothing  5 % of trials keep 80 %, the rest are exactly 0
//     bimodal         25 % of trials near 5 % (sd 2), the rest near 75 % (sd 3); fixed 3, 4, 5 trials
//     tight           N(80 %, 5 %): unimodal and calm
//     calm-90         N(90 %, 0.7 %): the first run's calm cells (ResNet-20 Q2.5 scaled at 1e-5: ten trials
//                     within 88.5-90.5 %)
//     zero-one        each trial 0 or 100 %, 90 % of them 100 %
//     resnet50        ResNet-50 FP32 at BER 1e-7, the 1312 measured trials of results/paper (16 images
//                     each), resampled (bench/data/resnet50_fp32_ber1e-7.txt)
//     tight-images    fault spread N(80 %, 5 %), each trial scores 16 images (binomial noise); design:
//                     2-point target, min 4, max 2000, waves of 4 (the default 100 cannot reach 2 points)
//     collapse-resnet50    a model of ResNet-50 FP32 at BER 1e-7 fitted to those trials: K ~
//     Binomial(25502912,
//                     1e-7) top-exponent faults, the model survives all K with probability 0.55^K (Top-1
//                     N(81 %, 2)), else collapses to U(0, 6 %); 16 images per trial; the paper cell's own
//                     design (2-point target, min 96, max 2000, waves of 8)
//     collapse-squeezenet  the same for SqueezeNet 1.1 FP32 at 1e-6: K ~ Binomial(1232000, 1e-6), survival
//                     0.53^K at N(72.5 %, 2); design: min 64, max 2000, waves of 8
//   --file PATH       a population file instead: one trial per line, an accuracy in [0, 1] or "correct
//                     images"; '#' starts a comment
//   --images K        binomial image noise: each simulated trial scores K images at its drawn accuracy
//                     (default: none; the resnet50 data carry their own 16)
//   --sims N          campaigns per scenario, design and method (default 2000)
//   --target/--min-trials/--max-trials/--wave: the adaptive design (default 2 points, 4, 100, 4: plain
//                     adaptive trials' defaults with a 2-point target)
//   --fixed N,...     fixed designs (default 10; bimodal 3,4,5); 5,10,30,100 gives the small-n table of
//                     docs/statistics.md
//   --methods M,...   interval methods to run (default all: t, betting, betting-mix, anderson,
//                     mix+anderson, plain-m, design, design-mix)
//   --no-adaptive     fixed designs only
//   --check C         exit 1 unless every valid method covers >= C in every scenario run (the ctest's
//                     assertion)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/work_plan.hpp"
#include "campaign/settings/stopping_rule.hpp"
#include "faults/critical_conditioning.hpp"
#include "stats/betting_interval.hpp"
#include "stats/count_strata.hpp"
#include "stats/interval.hpp"
#include "stats/stratified_design.hpp"

namespace {

using flipguard::campaign::StoppingRule;
using flipguard::stats::IntervalMethod;
using Rng = std::mt19937_64;

struct Population {
  std::string name;
  std::function<double(Rng&)> draw;  // a trial's accuracy in [0, 1] (before image noise)
  double mean = 0;                   // exact population mean
  std::int64_t images = 0;           // images per trial for the images column (0: not counted)
  bool noise = false;                // draw Binomial(images, accuracy) / images
  std::vector<int> fixed;            // fixed designs of this scenario (empty: the defaults)
  // Strata: trials have K ~ Binomial(words, rate) critical faults and an accuracy drawn given K.
  std::int64_t words = 0;
  double rate = 0;
  std::function<double(Rng&, std::int64_t)> given_count;
  std::optional<StoppingRule> design;  // the scenario's own adaptive design (else the options')
};

struct Options {
  std::vector<std::string> scenarios{"skewed",
                                     "all-or-nothing",
                                     "bimodal",
                                     "tight",
                                     "calm-90",
                                     "zero-one",
                                     "resnet50",
                                     "tight-images",
                                     "collapse-resnet50",
                                     "collapse-squeezenet"};
  std::string file;
  std::int64_t images = 0;
  int sims = 2000;
  StoppingRule adaptive{.ci_target = 2, .min_trials = 4, .max_trials = 100, .wave = 4};
  std::vector<int> fixed;
  std::vector<std::string> methods{"t",       "betting", "betting-mix", "anderson", "mix+anderson",
                                   "plain-m", "design",  "design-mix"};
  bool adaptive_designs = true;
  std::uint64_t seed = 1;
  double check = 0;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

double number(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument(option + " expects a number, got '" + text + "'");
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-adaptive") {
      o.adaptive_designs = false;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("unknown option or missing value: " + a);
    const std::string v = argv[++i];
    if (a == "--scenario")
      o.scenarios = v == "all" ? o.scenarios : split(v);
    else if (a == "--file")
      o.file = v, o.scenarios = {"file"};
    else if (a == "--images")
      o.images = static_cast<std::int64_t>(number(a, v));
    else if (a == "--sims")
      o.sims = static_cast<int>(number(a, v));
    else if (a == "--target")
      o.adaptive.ci_target = number(a, v);
    else if (a == "--min-trials")
      o.adaptive.min_trials = static_cast<int>(number(a, v));
    else if (a == "--max-trials")
      o.adaptive.max_trials = static_cast<int>(number(a, v));
    else if (a == "--wave")
      o.adaptive.wave = static_cast<int>(number(a, v));
    else if (a == "--fixed")
      for (const auto& n : split(v)) o.fixed.push_back(static_cast<int>(number(a, n)));
    else if (a == "--methods")
      o.methods = split(v);
    else if (a == "--seed")
      o.seed = static_cast<std::uint64_t>(number(a, v));
    else if (a == "--check")
      o.check = number(a, v);
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.sims < 1 || o.adaptive.ci_target <= 0 || o.adaptive.min_trials < 2 ||
      o.adaptive.max_trials < o.adaptive.min_trials || o.adaptive.wave < 1)
    throw std::invalid_argument("bad design: need sims >= 1, target > 0, 2 <= min <= max, wave >= 1");
  return o;
}

// Trials read from a file: accuracies, or "correct images" pairs, resampled with replacement.
Population from_file(const std::string& name, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the population file");
  std::vector<double> values;
  std::int64_t images = 0;
  for (std::string line; std::getline(in, line);) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    double a = 0, b = 0;
    if (!(fields >> a)) continue;
    if (fields >> b) {
      if (!(b >= 1 && a >= 0 && a <= b)) throw std::runtime_error(path + ": bad line '" + line + "'");
      images = static_cast<std::int64_t>(b);
      a /= b;
    }
    if (!(a >= 0 && a <= 1)) throw std::runtime_error(path + ": accuracy outside [0, 1]: '" + line + "'");
    values.push_back(a);
  }
  if (values.empty()) throw std::runtime_error(path + ": no trials");
  Population p;
  p.name = name;
  for (double v : values) p.mean += v / static_cast<double>(values.size());
  p.images = images;
  p.draw = [values](Rng& g) {
    return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(g)];
  };
  return p;
}

Population scenario(const std::string& name) {
  Population p;
  p.name = name;
  if (name == "skewed") {
    p.mean = 0.08 * 0.05 + 0.92 * 0.80;
    p.draw = [](Rng& g) {
      std::uniform_real_distribution<double> u(0, 1);
      return u(g) < 0.08 ? 0.10 * u(g)
                         : std::clamp(std::normal_distribution<double>(0.80, 0.02)(g), 0.0, 1.0);
    };
  } else if (name == "all-or-nothing") {
    p.mean = 0.05 * 0.80;
    p.draw = [](Rng& g) { return std::bernoulli_distribution(0.05)(g) ? 0.80 : 0.0; };
  } else if (name == "bimodal") {
    // Both modes sit 5 sd inside [0, 1]: the clamp below changes the mean by < 1e-6.
    p.mean = 0.25 * 0.05 + 0.75 * 0.75;
    p.draw = [](Rng& g) {
      const bool low = std::bernoulli_distribution(0.25)(g);
      return std::clamp(std::normal_distribution<double>(low ? 0.05 : 0.75, low ? 0.02 : 0.03)(g), 0.0, 1.0);
    };
    p.fixed = {3, 4, 5};
  } else if (name == "tight") {
    p.mean = 0.80;  // 4 sd inside [0, 1]: clamping is symmetric in effect to < 1e-6
    p.draw = [](Rng& g) { return std::clamp(std::normal_distribution<double>(0.80, 0.05)(g), 0.0, 1.0); };
  } else if (name == "calm-90") {
    p.mean = 0.90;  // 14 sd inside [0, 1]
    p.draw = [](Rng& g) { return std::clamp(std::normal_distribution<double>(0.90, 0.007)(g), 0.0, 1.0); };
  } else if (name == "zero-one") {
    p.mean = 0.9;
    p.draw = [](Rng& g) { return std::bernoulli_distribution(0.9)(g) ? 1.0 : 0.0; };
  } else if (name == "tight-images") {
    p.mean = 0.80;
    p.draw = [](Rng& g) { return std::clamp(std::normal_distribution<double>(0.80, 0.05)(g), 0.0, 1.0); };
    p.images = 16, p.noise = true;
    p.design = StoppingRule{.ci_target = 2, .min_trials = 4, .max_trials = 2000, .wave = 4};
  } else if (name == "collapse-resnet50" || name == "collapse-squeezenet") {
    const bool resnet = name == "collapse-resnet50";
    p.words = resnet ? 25'502'912 : 1'232'000;
    p.rate = resnet ? 1e-7 : 1e-6;
    const double survive = resnet ? 0.55 : 0.53, clean = resnet ? 0.81 : 0.725, collapsed = 0.03;
    p.given_count = [=](Rng& g, std::int64_t k) {
      std::uniform_real_distribution<double> u(0, 1);
      if (u(g) < std::pow(survive, static_cast<double>(k)))
        return std::clamp(std::normal_distribution<double>(clean, 0.02)(g), 0.0, 1.0);
      return 2 * collapsed * u(g);
    };
    // Exact mean: sum_k P(K = k) (s^k clean + (1 - s^k) collapsed); the clamp moves it by < 1e-9.
    for (std::int64_t k = 0; k < 200; ++k) {
      const double w = flipguard::faults::binomial_range_probability(p.words, p.rate, k, k);
      const double s = std::pow(survive, static_cast<double>(k));
      p.mean += w * (s * clean + (1 - s) * collapsed);
    }
    p.draw = [words = p.words, rate = p.rate, given = p.given_count](Rng& g) {
      flipguard::faults::KeyedRng r({g(), 0, 0, 0});
      return given(
          g, flipguard::faults::conditioned_binomial(words, rate, 0, flipguard::faults::kNoUpperCount, r));
    };
    p.images = 16, p.noise = true;
    p.design = StoppingRule{.ci_target = 2, .min_trials = resnet ? 96 : 64, .max_trials = 2000, .wave = 8};
  } else if (name == "resnet50") {
    p = from_file(name, std::string(FLIPGUARD_SOURCE_DIR) + "/bench/data/resnet50_fp32_ber1e-7.txt");
  } else {
    throw std::invalid_argument("unknown scenario '" + name + "'");
  }
  return p;
}

// P(sup_x (F_n(x) - F(x)) > eps) for n i.i.d. draws of a continuous F, exactly (Birnbaum & Tingey 1951):
// eps sum_{j=0}^{floor(n (1 - eps))} C(n, j) (1 - eps - j/n)^(n-j) (eps + j/n)^(j-1), in log space. For a
// discrete F (ties, atoms at 0 and 1) the probability is at most this, so the band stays valid.
double ks_one_sided_tail(std::int64_t n, double eps) {
  const double nn = static_cast<double>(n);
  double sum = 0;
  for (std::int64_t j = 0; j <= static_cast<std::int64_t>(std::floor(nn * (1 - eps))); ++j) {
    const double jj = static_cast<double>(j), a = 1 - eps - jj / nn, b = eps + jj / nn;
    if (a <= 0) continue;
    const double log_term = std::lgamma(nn + 1) - std::lgamma(jj + 1) - std::lgamma(nn - jj + 1) +
                            (nn - jj) * std::log(a) + (jj - 1) * std::log(b);
    sum += std::exp(log_term);
  }
  return eps * sum;
}

// The smallest eps with tail <= level (bisection; the tail falls in eps), memoised per (n, level).
double ks_one_sided_critical(std::int64_t n, double level) {
  static std::vector<std::tuple<std::int64_t, double, double>> memo;
  for (const auto& [mn, ml, me] : memo)
    if (mn == n && ml == level) return me;
  double lo = 0, hi = 1;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ks_one_sided_tail(n, mid) > level ? lo : hi) = mid;
  }
  memo.emplace_back(n, level, hi);
  return hi;
}

// Anderson's interval for the mean of [0, 1] values at level 1 - alpha: with probability >= 1 - alpha/2
// the CDF F >= F_n - eps everywhere, so mean = int_0^1 (1 - F) <= int_0^1 (1 - max(0, F_n - eps)); the
// lower end likewise from F <= F_n + eps. Values in percent in and out.
flipguard::stats::Interval anderson_interval(std::vector<double> percent, double alpha) {
  const std::int64_t n = static_cast<std::int64_t>(percent.size());
  const double eps = ks_one_sided_critical(n, alpha / 2);
  std::sort(percent.begin(), percent.end());
  double lo = 0, hi = 0, previous = 0;
  for (std::int64_t i = 0; i <= n; ++i) {
    const double next = i < n ? std::clamp(percent[i] / 100, 0.0, 1.0) : 1.0;
    const double fn = static_cast<double>(i) / static_cast<double>(n), width = next - previous;
    hi += width * (1 - std::max(0.0, fn - eps));
    lo += width * std::max(0.0, 1 - fn - eps);
    previous = next;
  }
  return {100 * lo, 100 * hi};
}

struct Tally {
  int covered = 0, on_target = 0, sims = 0, stratified = 0;
  double trials = 0, half_width = 0, inferences = 0, images = 0;
};

// One campaign of a single faulty cell run by stats::StratifiedDesign: the planner assigns each trial its
// stratum and images; trial values come from the population (conditioned on the stratum's range of K).
void run_design(const StoppingRule& rule, const Population& pop, bool stratify, Rng& g, Tally& t) {
  // rule.interval says whether the design's sequence mixes in the bold bet (design-mix).
  using namespace flipguard;
  std::vector<stats::CountStratum> strata;
  std::vector<double> weights;
  if (stratify && pop.given_count) {
    strata = stats::binomial_strata(pop.words, pop.rate);
    for (const auto& s : strata) weights.push_back(s.weight);
  }
  stats::DesignOptions o;
  o.target_half_width = rule.ci_target / 100;
  o.min_trials = rule.min_trials;
  o.max_trials = rule.max_trials;
  o.bold_weight = stats::bold_weight(rule.interval);
  if (pop.noise) {
    o.pilot_images = static_cast<int>(pop.images);
    o.image_choices = {1, 2, 4, 8, 16, 32, 64};
  } else {
    o.pilot_images = std::max<int>(static_cast<int>(pop.images), 1);
  }
  stats::StratifiedDesign design(weights, o);
  double inferences = 0;
  std::int64_t stop_target = -1;
  while (!design.budget_spent()) {
    const stats::TrialAssignment a = design.assignment(design.size());
    double acc;
    if (a.stratum >= 0) {
      faults::KeyedRng r({g(), 0, 0, 0});
      const auto& s = strata[static_cast<std::size_t>(a.stratum)];
      acc = pop.given_count(g, faults::conditioned_binomial(pop.words, pop.rate, s.lo, s.hi, r));
    } else {
      acc = pop.draw(g);
    }
    if (pop.noise)
      acc = static_cast<double>(std::binomial_distribution<std::int64_t>(a.images, acc)(g)) / a.images;
    inferences += a.images;
    const std::int64_t before = design.observations();
    design.add(acc);
    if (design.observations() == before) continue;
    const std::int64_t n = design.observed_trials();
    if (n >= std::max<std::int64_t>(rule.min_trials, design.pilot_trials()) &&
        100 * design.interval().half_width() <= rule.ci_target) {
      stop_target = n;
      break;
    }
  }
  const stats::Interval i = design.interval();
  ++t.sims;
  t.covered += i.contains(pop.mean) ? 1 : 0;
  t.on_target += stop_target >= 0 ? 1 : 0;
  t.trials += static_cast<double>(design.size());
  t.inferences += inferences;
  t.half_width += 100 * i.half_width();
  t.stratified += design.plan() && design.plan()->stratified() ? 1 : 0;
  t.images += design.plan() ? design.plan()->images : o.pilot_images;
}

enum class Outside { none, anderson, mix_anderson };  // the fixed-n candidates the campaigns do not use

// One campaign of a single faulty cell; `trial_value(i)` is trial i's Top-1 in percent.
template <class Value>
void run_campaign(const StoppingRule& rule, int fixed_trials, Value trial_value, double mean_percent,
                  Tally& t, Outside outside = Outside::none) {
  using namespace flipguard::campaign;
  WorkPlan plan({PlanCell{0, "fp32", "none", 1e-7}}, fixed_trials, rule, {});
  std::vector<double> top1;
  while (auto unit = plan.next()) {
    const double v = trial_value(unit->trial);
    if (static_cast<std::int64_t>(top1.size()) <= unit->trial) top1.resize(unit->trial + 1);
    top1[unit->trial] = v;
    plan.complete(*unit, v);
  }
  if (!plan.finished()) throw std::logic_error("work plan stalled");
  MeanEstimate e = trials_estimate(top1, rule);
  if (outside != Outside::none) {
    flipguard::stats::Interval i = anderson_interval(top1, outside == Outside::anderson ? 0.05 : 0.025);
    if (outside == Outside::mix_anderson) {  // each at alpha / 2: P(miss) <= 0.025 + 0.025
      std::vector<double> x;
      for (double v : top1) x.push_back(std::clamp(v / 100, 0.0, 1.0));
      const auto m = flipguard::stats::fixed_n_betting_interval(
          x, 0.025, flipguard::stats::BettingOptions{}.truncation, flipguard::stats::kBoldWeight);
      i = {std::max(i.lo, 100 * m.lo), std::min(i.hi, 100 * m.hi)};
    }
    e = with_interval(top1, i.lo, i.hi);
  }
  ++t.sims;
  t.covered += e.lo <= mean_percent && mean_percent <= e.hi ? 1 : 0;
  t.on_target += plan.reason(0) == StopReason::target_reached ? 1 : 0;
  t.trials += static_cast<double>(top1.size());
  t.inferences += static_cast<double>(top1.size());
  t.half_width += std::isfinite(e.ci95) ? e.ci95 : 100;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    std::printf("%-19s %-26s %-12s %9s %8s %10s %11s %10s  %s\n", "scenario", "design", "interval",
                "coverage", "trials", "images", "half-width", "on target", "plan (design methods)");
    bool ok = true;
    for (const auto& name : o.scenarios) {
      Population pop = name == "file" ? from_file(o.file, o.file) : scenario(name);
      if (o.images > 0) pop.images = o.images, pop.noise = true;
      std::vector<std::pair<std::string, StoppingRule>> designs;
      char label[64];
      const StoppingRule adaptive = pop.design.value_or(o.adaptive);
      std::snprintf(label, sizeof label, "adaptive %gpt %d-%d w%d", adaptive.ci_target, adaptive.min_trials,
                    adaptive.max_trials, adaptive.wave);
      if (o.adaptive_designs) designs.emplace_back(label, adaptive);
      std::vector<int> fixed =
          o.fixed.empty() ? (pop.fixed.empty() ? std::vector<int>{10} : pop.fixed) : o.fixed;
      for (int n : fixed)
        designs.emplace_back("fixed " + std::to_string(n), StoppingRule{.ci_target = 0, .max_trials = n});
      double worst_t = 1, worst_valid = 1;
      auto seed_of = [&](int s) {
        return o.seed * 0x9E3779B97F4A7C15ull + std::hash<std::string>{}(name) +
               static_cast<std::uint64_t>(s) * 1000003ull;
      };
      for (const auto& [design, base] : designs)
        for (const std::string& method : o.methods) {
          const bool adaptive = base.ci_target > 0;
          const bool designed = method == "plain-m" || method.starts_with("design");
          const Outside outside = method == "anderson"       ? Outside::anderson
                                  : method == "mix+anderson" ? Outside::mix_anderson
                                                             : Outside::none;
          // The designs are adaptive; plain-m only differs from design where there are strata; the
          // outside candidates are fixed-n bounds.
          if (designed && (!adaptive || (method == "plain-m" && !pop.given_count))) continue;
          if (outside != Outside::none && adaptive) continue;
          StoppingRule rule = base;
          rule.interval = method == "t" ? IntervalMethod::student_t
                          : method == "betting" || method == "plain-m" || method == "design" ||
                                  outside == Outside::anderson
                              ? IntervalMethod::betting
                              : IntervalMethod::betting_mix;
          Tally t;
          for (int s = 0; s < o.sims; ++s) {
            // The same trials for every method and design (common random numbers): trial i of
            // simulation s always has the same value.
            Rng g(seed_of(s));
            if (designed) {
              run_design(rule, pop, method != "plain-m", g, t);
              continue;
            }
            std::vector<double> values;
            auto value = [&](std::int64_t trial) {
              while (static_cast<std::int64_t>(values.size()) <= trial) {
                double a = pop.draw(g);
                if (pop.noise)
                  a = static_cast<double>(std::binomial_distribution<std::int64_t>(pop.images, a)(g)) /
                      static_cast<double>(pop.images);
                values.push_back(100 * a);
              }
              return values[trial];
            };
            run_campaign(rule, base.max_trials, value, 100 * pop.mean, t, outside);
          }
          const double coverage = static_cast<double>(t.covered) / t.sims, trials = t.trials / t.sims;
          char images[32] = "-";
          if (designed)
            std::snprintf(images, sizeof images, "%.0f", t.inferences / t.sims);
          else if (pop.images > 0)
            std::snprintf(images, sizeof images, "%.0f", trials * static_cast<double>(pop.images));
          char plan[64] = "";
          if (designed)
            std::snprintf(plan, sizeof plan, "m %.1f, stratified %.0f%%", t.images / t.sims,
                          100.0 * t.stratified / t.sims);
          std::printf("%-19s %-26s %-12s %8.1f%% %8.1f %10s %11.2f %9.1f%%  %s\n", pop.name.c_str(),
                      design.c_str(), method.c_str(), 100 * coverage, trials, images, t.half_width / t.sims,
                      100.0 * t.on_target / t.sims, plan);
          double& worst = method == "t" ? worst_t : worst_valid;
          worst = std::min(worst, coverage);
        }
      if (worst_t < 0.93)
        std::printf("%-15s t FAILS: coverage down to %.1f%% (nominal 95%%); the valid methods %.1f%%\n",
                    pop.name.c_str(), 100 * worst_t, 100 * worst_valid);
      if (o.check > 0 && worst_valid < o.check) {
        std::printf("%-15s CHECK FAILED: a valid method covers %.1f%% (need %.1f%%)\n", pop.name.c_str(),
                    100 * worst_valid, 100 * o.check);
        ok = false;
      }
      std::fflush(stdout);
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_interval_coverage: %s\n", e.what());
    return 2;
  }
}
