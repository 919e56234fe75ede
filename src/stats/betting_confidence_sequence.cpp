#include "stats/betting_confidence_sequence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace flipguard::stats {

namespace {

constexpr double kTolerance = 1e-14;  // endpoints are located to this absolute width

// The boundary of {m : f(m) < 0} inside [in, out], where f(in) < 0 <= f(out) and f is monotone between
// them (in may lie on either side of out). Bracketed Newton: a Newton step from the newest point when it
// stays inside the bracket, else bisection; the bracket shrinks every step. Returns the bracket's `out`
// end, a point outside the set, so [lo, hi] built from it is the set's closed hull.
template <class F>
double boundary(F f, double in, double out, double x, double fx, double slope) {
  for (int i = 0; i < 200; ++i) {
    if (fx < 0)
      in = x;
    else
      out = x;
    if (std::fabs(out - in) <= kTolerance) break;
    const double a = std::min(in, out), b = std::max(in, out);
    double next = x - fx / slope;  // not finite when the slope is 0: bisect then
    if (!(next > a && next < b)) {
      next = 0.5 * (a + b);
    } else if (std::fabs(next - x) < 0.5 * kTolerance) {
      // Newton converging from one side never closes the bracket: step just across the root instead.
      next = x + std::copysign(kTolerance, next - x);
      if (!(next > a && next < b)) next = 0.5 * (a + b);
    }
    x = next;
    f(x, fx, slope);
  }
  return out;
}

}  // namespace

BettingConfidenceSequence::BettingConfidenceSequence(BettingOptions options) : options_(options) {
  if (!(options_.alpha > 0 && options_.alpha < 1))
    throw std::invalid_argument("betting confidence sequence: alpha must be in (0, 1)");
  if (!(options_.truncation > 0 && options_.truncation < 1))
    throw std::invalid_argument("betting confidence sequence: truncation must be in (0, 1)");
  if (options_.horizon < 0 || !(options_.target_half_width >= 0))
    throw std::invalid_argument("betting confidence sequence: horizon and target must be >= 0");
  if (!(options_.bold_weight >= 0 && options_.bold_weight < 1) ||
      !(options_.bold_share > 0 && options_.bold_share < 1))
    throw std::invalid_argument(
        "betting confidence sequence: bold weight must be in [0, 1), bold share in (0, 1)");
  log_threshold_ = std::log(2 / options_.alpha);
}

void BettingConfidenceSequence::add(double x) {
  if (!(x >= 0 && x <= 1))
    throw std::invalid_argument("betting confidence sequence: observation " + std::to_string(x) +
                                " is outside [0, 1]");
  const double t = static_cast<double>(x_.size()) + 1, l = log_threshold_, s2 = variance_;
  double planned;  // the sample size the bet is tuned for
  if (options_.target_half_width > 0) {
    planned = 2 * l * s2 / (options_.target_half_width * options_.target_half_width);
    if (options_.horizon > 0) planned = std::min(planned, static_cast<double>(options_.horizon));
    planned = std::max(planned, 1.0);
  } else if (options_.horizon > 0) {
    planned = static_cast<double>(options_.horizon);
  } else {
    planned = t * std::log1p(t);
  }
  bet_.push_back(std::sqrt(2 * l / (s2 * planned)));
  x_.push_back(x);
  sum_ += x;
  const double n = static_cast<double>(x_.size());
  const double mu = (0.5 + sum_) / (n + 1);
  squares_ += (x - mu) * (x - mu);
  variance_ = (0.25 + squares_) / (n + 1);
}

double BettingConfidenceSequence::mean() const {
  return x_.empty() ? std::numeric_limits<double>::quiet_NaN() : sum_ / static_cast<double>(x_.size());
}

void BettingConfidenceSequence::evaluate(bool plus, double m, double& value, double& slope) const {
  double v, s;
  plug_in_capital(plus, m, v, s);
  if (options_.bold_weight > 0) {
    // log((1 - w) K_plug + w K_bold) and its derivative: the weighted mean of the slopes, each weighted by
    // its share of the mixed capital (log-sum-exp, so neither capital overflows).
    double bv, bs;
    bold_capital(plus, m, bv, bs);
    const double a = std::log1p(-options_.bold_weight) + v, b = std::log(options_.bold_weight) + bv;
    const double top = std::max(a, b);
    if (std::isinf(top)) {  // +inf: m is impossible (e.g. m = 0 with an observation above it)
      v = top;
      s = a >= b ? s : bs;
    } else {
      const double ea = std::exp(a - top), eb = std::exp(b - top);
      v = top + std::log(ea + eb);
      s = (ea * s + eb * bs) / (ea + eb);
    }
  }
  value = v - log_threshold_;
  slope = s;
}

void BettingConfidenceSequence::plug_in_capital(bool plus, double m, double& value, double& slope) const {
  const double c = options_.truncation;
  double v = 0, s = 0;
  if (plus) {
    for (std::size_t i = 0; i < x_.size(); ++i) {
      const double b = bet_[i], x = x_[i];
      if (b * m <= c) {  // l = b
        const double f = 1 + b * (x - m);
        v += std::log(f);
        s -= b / f;
      } else {  // l = c / m
        const double f = 1 - c + c * x / m;
        v += std::log(f);
        s -= c * x / (m * m) / f;
      }
    }
  } else {
    for (std::size_t i = 0; i < x_.size(); ++i) {
      const double b = bet_[i], x = x_[i], r = 1 - m;
      if (b * r <= c) {  // l = b
        const double f = 1 - b * (x - m);
        v += std::log(f);
        s += b / f;
      } else {  // l = c / (1 - m)
        const double f = 1 - c + c * (1 - x) / r;
        v += std::log(f);
        s += c * (1 - x) / (r * r) / f;
      }
    }
  }
  value = v;
  slope = s;
}

// The bold gambler stakes l = a / m (plus) or a / (1 - m) (minus): factor 1 - a + a x / m, resp.
// 1 - a + a (1 - x) / (1 - m). At m = 0 (m = 1) an observation at the bound keeps 1 - a and any other
// makes the factor infinite: no mean can lie below (above) every observation.
void BettingConfidenceSequence::bold_capital(bool plus, double m, double& value, double& slope) const {
  const double a = options_.bold_share, r = plus ? m : 1 - m;
  double v = 0, s = 0;
  for (double x : x_) {
    const double gain = plus ? x : 1 - x;  // the observation's distance from the far bound
    if (gain == 0) {
      v += std::log1p(-a);
      continue;
    }
    if (r <= 0) {
      value = std::numeric_limits<double>::infinity();
      slope = plus ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return;
    }
    const double f = 1 - a + a * gain / r;
    v += std::log(f);
    const double d = a * gain / (r * r) / f;  // |d log f / dm|
    s += plus ? -d : d;
  }
  value = v;
  slope = s;
}

double BettingConfidenceSequence::log_capital_plus(double m) const {
  double v, s;
  evaluate(true, m, v, s);
  return v + log_threshold_;
}

double BettingConfidenceSequence::log_capital_minus(double m) const {
  double v, s;
  evaluate(false, m, v, s);
  return v + log_threshold_;
}

// K+ is nonincreasing in m and log K+(1) <= 0 < threshold, so m = 1 is always inside: the boundary lies
// in [floor, 1) unless floor itself is inside.
double BettingConfidenceSequence::lower_endpoint(double floor) const {
  double v, s;
  evaluate(true, floor, v, s);
  if (v < 0) return floor;
  const auto f = [this](double m, double& value, double& slope) { evaluate(true, m, value, slope); };
  return boundary(f, 1.0, floor, floor, v, s);
}

// K- is nondecreasing in m and log K-(0) <= 0: m = 0 is always inside.
double BettingConfidenceSequence::upper_endpoint(double ceiling) const {
  double v, s;
  evaluate(false, ceiling, v, s);
  if (v < 0) return ceiling;
  const auto f = [this](double m, double& value, double& slope) { evaluate(false, m, value, slope); };
  return boundary(f, 0.0, ceiling, ceiling, v, s);
}

Interval BettingConfidenceSequence::intersect(double floor, double ceiling) const {
  if (x_.empty()) return {floor, ceiling};
  Interval i{lower_endpoint(floor), upper_endpoint(ceiling)};
  // Empty only when the data contradict every mean, an event of probability <= alpha (the true mean is
  // outside already): report the point where the two sides meet rather than an inverted interval.
  if (i.lo > i.hi) i.lo = i.hi = 0.5 * (i.lo + i.hi);
  return i;
}

Interval BettingConfidenceSequence::current_set() const {
  return intersect(0, 1);
}

Interval BettingConfidenceSequence::peek() const {
  return intersect(running_.lo, running_.hi);
}

Interval BettingConfidenceSequence::look() {
  running_ = peek();
  return running_;
}

}  // namespace flipguard::stats
