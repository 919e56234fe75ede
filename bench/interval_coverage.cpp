// Real coverage of the campaign's intervals: whole adaptive and fixed campaigns of one cell simulated
// thousands of times from a known population of per-trial accuracies, through the campaign's own code (the
// work plan's waves and campaign::decide for stopping, campaign::trials_estimate for the reported interval,
// as summarize() computes it). Prints, per scenario, design and interval method (t, betting): the share of
// campaigns whose 95% interval contains the population mean, the mean trials and images a cell spent, the
// mean half-width, and how often the cell stopped on its target.
//
// usage: bench_interval_coverage [--scenario NAME[,NAME...]|all] [--file PATH] [--images K] [--sims N]
//                                [--target POINTS] [--min-trials N] [--max-trials N] [--wave N]
//                                [--fixed N[,N...]] [--seed S] [--check COVERAGE]
//   scenarios (populations of per-trial Top-1):
//     skewed          8 % of trials collapse to U(0, 10 %), the rest N(80 %, 2 %)
//     all-or-nothing  5 % of trials keep 80 %, the rest are exactly 0
//     bimodal         25 % of trials near 5 % (sd 2), the rest near 75 % (sd 3); fixed 3, 4, 5 trials
//     tight           N(80 %, 5 %): unimodal and calm
//     zero-one        each trial 0 or 100 %, 90 % of them 100 %
//     resnet50        ResNet-50 FP32 at BER 1e-7, the 1312 measured trials of results/paper (16 images
//                     each), resampled (bench/data/resnet50_fp32_ber1e-7.txt)
//   --file PATH       a population file instead: one trial per line, an accuracy in [0, 1] or "correct
//                     images"; '#' starts a comment
//   --images K        binomial image noise: each simulated trial scores K images at its drawn accuracy
//                     (default: none; the resnet50 data carry their own 16)
//   --sims N          campaigns per scenario, design and method (default 2000)
//   --target/--min-trials/--max-trials/--wave: the adaptive design (default 2 points, 4, 100, 4: the
//                     campaign defaults with a 2-point target)
//   --fixed N,...     fixed designs (default 10; bimodal 3,4,5)
//   --check C         exit 1 unless betting covers >= C in every scenario run (the ctest's assertion)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "campaign/statistics.hpp"
#include "campaign/stopping_rule.hpp"
#include "campaign/work_plan.hpp"
#include "stats/interval.hpp"

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
};

struct Options {
  std::vector<std::string> scenarios{"skewed", "all-or-nothing", "bimodal", "tight", "zero-one", "resnet50"};
  std::string file;
  std::int64_t images = 0;
  int sims = 2000;
  StoppingRule adaptive{.ci_target = 2, .min_trials = 4, .max_trials = 100, .wave = 4};
  std::vector<int> fixed;
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
  } else if (name == "zero-one") {
    p.mean = 0.9;
    p.draw = [](Rng& g) { return std::bernoulli_distribution(0.9)(g) ? 1.0 : 0.0; };
  } else if (name == "resnet50") {
    p = from_file(name, std::string(FLIPGUARD_SOURCE_DIR) + "/bench/data/resnet50_fp32_ber1e-7.txt");
  } else {
    throw std::invalid_argument("unknown scenario '" + name + "'");
  }
  return p;
}

struct Tally {
  int covered = 0, on_target = 0, sims = 0;
  double trials = 0, half_width = 0;
};

// One campaign of a single faulty cell; `trial_value(i)` is trial i's Top-1 in percent.
template <class Value>
void run_campaign(const StoppingRule& rule, int fixed_trials, Value trial_value, double mean_percent,
                  Tally& t) {
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
  const MeanEstimate e = trials_estimate(top1, rule);
  ++t.sims;
  t.covered += e.lo <= mean_percent && mean_percent <= e.hi ? 1 : 0;
  t.on_target += plan.reason(0) == StopReason::target_reached ? 1 : 0;
  t.trials += static_cast<double>(top1.size());
  t.half_width += std::isfinite(e.ci95) ? e.ci95 : 100;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    std::printf("%-15s %-26s %-8s %9s %8s %10s %11s %10s\n", "scenario", "design", "interval", "coverage",
                "trials", "images", "half-width", "on target");
    bool ok = true;
    for (const auto& name : o.scenarios) {
      Population pop = name == "file" ? from_file(o.file, o.file) : scenario(name);
      if (o.images > 0) pop.images = o.images, pop.noise = true;
      std::vector<std::pair<std::string, StoppingRule>> designs;
      char label[64];
      std::snprintf(label, sizeof label, "adaptive %gpt %d-%d w%d", o.adaptive.ci_target,
                    o.adaptive.min_trials, o.adaptive.max_trials, o.adaptive.wave);
      designs.emplace_back(label, o.adaptive);
      std::vector<int> fixed =
          o.fixed.empty() ? (pop.fixed.empty() ? std::vector<int>{10} : pop.fixed) : o.fixed;
      for (int n : fixed)
        designs.emplace_back("fixed " + std::to_string(n), StoppingRule{.ci_target = 0, .max_trials = n});
      double worst_t = 1, worst_betting = 1;
      for (const auto& [design, base] : designs)
        for (const IntervalMethod method : {IntervalMethod::student_t, IntervalMethod::betting}) {
          StoppingRule rule = base;
          rule.interval = method;
          Tally t;
          for (int s = 0; s < o.sims; ++s) {
            // The same trials for both methods and every design (common random numbers): trial i of
            // simulation s always has the same value.
            Rng g(o.seed * 0x9E3779B97F4A7C15ull + std::hash<std::string>{}(name) +
                  static_cast<std::uint64_t>(s) * 1000003ull);
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
            run_campaign(rule, base.max_trials, value, 100 * pop.mean, t);
          }
          const double coverage = static_cast<double>(t.covered) / t.sims, trials = t.trials / t.sims;
          char images[32] = "-";
          if (pop.images > 0)
            std::snprintf(images, sizeof images, "%.0f", trials * static_cast<double>(pop.images));
          std::printf("%-15s %-26s %-8s %8.1f%% %8.1f %10s %11.2f %9.1f%%\n", pop.name.c_str(),
                      design.c_str(), flipguard::stats::to_string(method).c_str(), 100 * coverage, trials,
                      images, t.half_width / t.sims, 100.0 * t.on_target / t.sims);
          (method == IntervalMethod::betting ? worst_betting : worst_t) =
              std::min(method == IntervalMethod::betting ? worst_betting : worst_t, coverage);
        }
      if (worst_t < 0.93)
        std::printf("%-15s t FAILS: coverage down to %.1f%% (nominal 95%%); betting %.1f%%\n",
                    pop.name.c_str(), 100 * worst_t, 100 * worst_betting);
      if (o.check > 0 && worst_betting < o.check) {
        std::printf("%-15s CHECK FAILED: betting coverage %.1f%% < %.1f%%\n", pop.name.c_str(),
                    100 * worst_betting, 100 * o.check);
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
