// Anytime-valid confidence sequence for the mean of [0, 1]-valued i.i.d. observations by betting
// (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting", JRSS-B 2024,
// arXiv 2010.09686): the hedged capital process with predictable plug-in bets and its running intersection.
//
// For a candidate mean m, two gamblers bet on the observations:
//   K+_t(m) = prod_{i<=t} (1 + l+_i(m) (x_i - m)),   K-_t(m) = prod_{i<=t} (1 - l-_i(m) (x_i - m)),
//   l+_i(m) = min(b_i, c / m),   l-_i(m) = min(b_i, c / (1 - m)),
// where the raw bet b_i >= 0 depends on x_1..x_{i-1} only (predictable) and the truncation c in (0, 1) keeps
// every factor >= 1 - c > 0 whatever x_i in [0, 1] comes. If m is the true mean, both products are
// nonnegative martingales starting at 1, so is their average, and by Ville's inequality the average reaches
// 1/alpha at ANY time with probability <= alpha. The hedged capital max(K+ / 2, K- / 2) is below that
// average, so C_t = {m : K+_t(m) < 2/alpha and K-_t(m) < 2/alpha} covers the mean at all times at once with
// probability >= 1 - alpha: at a data-dependent stopping time too, and so does the intersection of the C_t
// over any set of times looked at (the running intersection).
//
// Raw bets b_t (the paper's predictable plug-in, with its running estimates and prior terms):
//   mu_t = (1/2 + sum_{i<=t} x_i) / (t + 1),   s2_t = (1/4 + sum_{i<=t} (x_i - mu_i)^2) / (t + 1),
//   anytime:        b_t = sqrt(2 log(2/alpha) / (s2_{t-1} t log(1 + t)))
//   horizon n:      b_t = sqrt(2 log(2/alpha) / (s2_{t-1} n))            (fixed-n betting interval)
//   target width w: b_t = sqrt(2 log(2/alpha) / (s2_{t-1} n_t)),  n_t = clamp(2 log(2/alpha) s2_{t-1} / w^2,
//                   1, horizon): the bet that makes the half-width reach w at the planned n_t, i.e. w / s2
//                   until the plan exceeds the horizon (see docs/statistics.md).
// Any predictable bets keep the guarantee; the schedule only decides how fast the interval shrinks.
//
// Mixture with a bold bet (bold_weight w > 0): each side's capital is (1 - w) times the plug-in gambler's
// above plus w times a bold gambler's, who stakes a fixed share a of the most a bet may stake at m:
//   K+bold_t(m) = prod (1 + (a / m) (x_i - m)),   K-bold_t(m) = prod (1 - (a / (1 - m)) (x_i - m)),
// every factor >= 1 - a > 0. A mixture with fixed weights of nonnegative martingales starting at 1 is one,
// so Ville's inequality and everything below still hold. Why: the plug-in bets are sized to the spread and
// stay timid on the side of the data away from the mean's bound, e.g. ten trials all near 0.90 leave
// m = 1 inside, though a mean above ~0.94 needs mass near 1 that ten draws would have seen; the bold gambler
// rejects such m at a rate that grows with the gap (docs/statistics.md measures it).
//
// Why C_t is an interval: b_i does not depend on m, so each K+ factor is nonincreasing in m (slope -b_i while
// untruncated; 1 - c + c x_i / m once b_i m > c) and positive; so K+_t(m) is nonincreasing and continuous,
// and {K+ < 2/alpha} is (lo, 1]. Likewise K-_t(m) is nondecreasing and {K- < 2/alpha} is [0, hi). The
// hedged set is their intersection (lo, hi). The bold factors are monotone in m the same way (a x / m falls,
// a (1 - x) / (1 - m) rises), so a mixture's capitals are too. The endpoints are found by bracketed
// Newton/bisection on the monotone log-capitals to 1e-14, reported as the closed hull [lo, hi]
// (conservative).
#pragma once

#include <cstdint>
#include <vector>

#include "stats/interval.hpp"

namespace flipguard::stats {

struct BettingOptions {
  double alpha = 0.05;
  // c: the largest fraction of the capital one bet may lose. Larger c shrinks the interval faster on calm
  // data (the c / m cap binds there) and loses more on a surprise; see docs/statistics.md for the choice.
  double truncation = 0.9;
  std::int64_t horizon = 0;      // > 0: bets tuned to this many observations
  double target_half_width = 0;  // > 0: bets tuned to reach this half-width (capped by horizon when set)
  // > 0: the prior weight of the bold gambler in each side's capital (mixture above); 0: plug-in bets alone.
  double bold_weight = 0;
  double bold_share = 0.99;  // a: the bold gambler's stake as a share of the largest allowed at m
};

class BettingConfidenceSequence {
 public:
  // Throws std::invalid_argument on alpha outside (0, 1), truncation outside (0, 1) or negative tuning.
  explicit BettingConfidenceSequence(BettingOptions options = {});

  // Adds the next observation (throws std::invalid_argument unless 0 <= x <= 1). Its bet was fixed from
  // the earlier observations; O(1).
  void add(double x);

  // C_t intersected with every earlier look, and this time becomes a look. O(t) per capital evaluation,
  // a few dozen evaluations.
  Interval look();
  // The same interval without recording this time as a look.
  Interval peek() const;
  // C_t alone (no intersection): [0, 1] before any observation.
  Interval current_set() const;
  // Intersection of the looks so far ([0, 1] before any).
  Interval running() const { return running_; }

  std::int64_t size() const { return static_cast<std::int64_t>(x_.size()); }
  double mean() const;  // sample mean (NaN when empty)
  const BettingOptions& options() const { return options_; }

  // log K+_t(m), log K-_t(m) and the threshold log(2 / alpha) each is compared with (for tests and plots).
  double log_capital_plus(double m) const;
  double log_capital_minus(double m) const;
  double log_threshold() const { return log_threshold_; }

 private:
  // Value and derivative in m of log K+ (plus) or log K- (!plus) minus the threshold.
  void evaluate(bool plus, double m, double& value, double& slope) const;
  // log K and d log K / dm of the plug-in gambler and of the bold one (the mixture's two parts).
  void plug_in_capital(bool plus, double m, double& value, double& slope) const;
  void bold_capital(bool plus, double m, double& value, double& slope) const;
  // max(floor, lower endpoint of C_t) and min(ceiling, upper endpoint of C_t).
  double lower_endpoint(double floor) const;
  double upper_endpoint(double ceiling) const;
  Interval intersect(double floor, double ceiling) const;

  BettingOptions options_;
  double log_threshold_;
  std::vector<double> x_, bet_;
  double sum_ = 0, squares_ = 0, variance_ = 0.25;  // sum x, sum (x_i - mu_i)^2, s2_t
  Interval running_{0, 1};
};

}  // namespace flipguard::stats
