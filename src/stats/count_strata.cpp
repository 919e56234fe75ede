#include "stats/count_strata.hpp"

#include <cmath>
#include <stdexcept>

namespace flipguard::stats {

std::string CountStratum::label() const {
  if (hi == std::numeric_limits<std::int64_t>::max()) return "K>=" + std::to_string(lo);
  if (hi == lo) return "K=" + std::to_string(lo);
  return "K=" + std::to_string(lo) + ".." + std::to_string(hi);
}

namespace {

// The pmf of Binomial(n, p) for k = 0, 1, ... in turn, by the ratio pmf(k + 1) / pmf(k) = (n - k) / (k + 1)
// * p / (1 - p) in log space from log pmf(0) = n log1p(-p) (lgamma of a large n would lose 1e-8 of
// relative precision).
class BinomialTerms {
 public:
  BinomialTerms(std::int64_t n, double p) : n_(n), p_(p) {
    if (p > 0 && p < 1) log_ = static_cast<double>(n) * std::log1p(-p), odds_ = std::log(p) - std::log1p(-p);
  }
  std::int64_t upcoming() const { return k_; }  // the k whose pmf next() returns
  // pmf(k) of the next k (0 first).
  double next() {
    const std::int64_t k = k_++;
    if (p_ == 0) return k == 0 ? 1 : 0;
    if (p_ == 1) return k == n_ ? 1 : 0;
    if (k > 0) log_ += std::log(static_cast<double>(n_ - k + 1) / static_cast<double>(k)) + odds_;
    return std::exp(log_);
  }

 private:
  std::int64_t n_, k_ = 0;
  double p_, log_ = 0, odds_ = 0;
};

}  // namespace

std::vector<CountStratum> binomial_strata(std::int64_t words, double rate, int max_strata,
                                          double min_weight) {
  if (words < 0 || !(rate >= 0 && rate <= 1) || max_strata < 1 || !(min_weight > 0 && min_weight < 1))
    throw std::invalid_argument("binomial_strata: bad words " + std::to_string(words) + ", rate " +
                                std::to_string(rate) + ", max_strata " + std::to_string(max_strata) +
                                " or min_weight " + std::to_string(min_weight));
  std::vector<CountStratum> strata;
  CountStratum open{0, 0, 0};
  double below = 0;  // P(K < open.lo)
  BinomialTerms terms(words, rate);
  for (std::int64_t k = 0; k <= words && static_cast<int>(strata.size()) < max_strata - 1; ++k) {
    open.weight += terms.next();
    open.hi = k;
    // The rest must be able to form a stratum of its own too.
    if (open.weight >= min_weight && 1 - below - open.weight >= min_weight) {
      strata.push_back(open);
      below += open.weight;
      open = CountStratum{k + 1, k + 1, 0};
    } else if (1 - below - open.weight < min_weight) {
      break;
    }
  }
  // The tail: everything from open.lo up: what the open stratum holds plus the terms not taken yet, summed
  // term by term (no 1 - cancellation).
  CountStratum tail{open.lo, std::numeric_limits<std::int64_t>::max(), open.weight};
  const double mode = std::floor((static_cast<double>(words) + 1) * rate);
  for (std::int64_t j = terms.upcoming(); j <= words; ++j) {
    const double term = terms.next();
    tail.weight += term;
    if (static_cast<double>(j) > mode && term < 1e-18 * tail.weight) break;
  }
  strata.push_back(tail);
  // The sum is 1 up to rounding; make it exact for the stratified mean.
  double total = 0;
  for (const auto& s : strata) total += s.weight;
  for (auto& s : strata) s.weight /= total;
  return strata;
}

}  // namespace flipguard::stats
