#include "faults/critical_conditioning.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

#include "faults/fault_model_registry.hpp"

namespace flipguard::faults {

namespace {

void check_binomial(std::int64_t n, double p) {
  if (n < 0 || !(p >= 0 && p <= 1))
    throw std::invalid_argument("binomial count: bad words " + std::to_string(n) + " or rate " +
                                std::to_string(p));
}

// Visits pmf(k) for k = lo..min(hi, n), stopping once the terms past the mode are negligible (below 1e-18
// of the sum so far): enough for double precision whatever n. The log pmf is built by the ratio
// pmf(k + 1) / pmf(k) = (n - k) / (k + 1) * p / (1 - p) from log pmf(0) = n log1p(-p): lgamma of a large n
// would lose 1e-8 of relative precision.
template <class Visit>
double walk_pmf(std::int64_t n, double p, std::int64_t lo, std::int64_t hi, Visit visit) {
  const std::int64_t top = std::min(hi, n);
  if (p == 0 || p == 1) {
    const std::int64_t only = p == 0 ? 0 : n;
    if (only < lo || only > top) return 0;
    visit(only, 1.0, 1.0);
    return 1;
  }
  const double mode = std::floor((static_cast<double>(n) + 1) * p);
  const double odds = std::log(p) - std::log1p(-p);
  double log_term = static_cast<double>(n) * std::log1p(-p), sum = 0;
  for (std::int64_t k = 0; k <= top; ++k) {
    if (k > 0) log_term += std::log(static_cast<double>(n - k + 1) / static_cast<double>(k)) + odds;
    if (k < lo) continue;
    const double term = std::exp(log_term);
    sum += term;
    if (visit(k, term, sum)) break;
    if (static_cast<double>(k) > mode && term < 1e-18 * sum) break;
  }
  return sum;
}

}  // namespace

double binomial_range_probability(std::int64_t n, double p, std::int64_t lo, std::int64_t hi) {
  check_binomial(n, p);
  if (hi < lo) return 0;
  return walk_pmf(n, p, lo, hi, [](std::int64_t, double, double) { return false; });
}

std::int64_t conditioned_binomial(std::int64_t n, double p, std::int64_t lo, std::int64_t hi, KeyedRng& rng) {
  check_binomial(n, p);
  const double total = binomial_range_probability(n, p, lo, hi);
  if (!(total > 0))
    throw std::invalid_argument(
        "conditioned_binomial: " + std::to_string(lo) +
        " <= K <= " + (hi == kNoUpperCount ? std::string("inf") : std::to_string(hi)) +
        " has probability 0 for K ~ Binomial(" + std::to_string(n) + ", " + std::to_string(p) + ")");
  const double u = rng.uniform_open() * total;
  std::int64_t chosen = -1, last = lo;
  walk_pmf(n, p, lo, hi, [&](std::int64_t k, double, double sum) {
    last = k;
    if (sum >= u) {
      chosen = k;
      return true;
    }
    return false;
  });
  return chosen >= 0 ? chosen : last;  // rounding left u above the last partial sum: the last term
}

std::vector<std::vector<std::uint64_t>> place_uniformly(std::span<const std::uint64_t> words, std::int64_t k,
                                                        KeyedRng& rng) {
  std::uint64_t total = 0;
  for (auto w : words) {
    if (w > std::numeric_limits<std::uint64_t>::max() - total)
      throw std::invalid_argument("place_uniformly: word counts overflow 64 bits");
    total += w;
  }
  if (k < 0 || static_cast<std::uint64_t>(k) > total)
    throw std::invalid_argument("place_uniformly: cannot place " + std::to_string(k) + " faults in " +
                                std::to_string(total) + " words");
  // Floyd: for j = total - k .. total - 1, draw t in [0, j]; take t, or j if t was taken already.
  std::set<std::uint64_t> chosen;
  for (std::uint64_t j = total - static_cast<std::uint64_t>(k); j < total; ++j) {
    const std::uint64_t t = rng.below(j + 1);
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<std::vector<std::uint64_t>> out(words.size());
  std::size_t tensor = 0;
  std::uint64_t base = 0;
  for (const std::uint64_t g : chosen) {  // ascending
    while (g >= base + words[tensor]) base += words[tensor++];
    out[tensor].push_back(g - base);
  }
  return out;
}

bool conditionable(const FaultModel& model, unsigned critical_bit) {
  return model.type().per_bit_fault.has_value() &&
         (model.bit_positions.empty() ||
          std::binary_search(model.bit_positions.begin(), model.bit_positions.end(), critical_bit));
}

FaultMap sample_conditioned(const FaultModel& model, const SampleRegion& region, const RngKey& key,
                            unsigned critical_bit, std::span<const std::uint64_t> critical_elements) {
  if (!conditionable(model, critical_bit))
    throw std::invalid_argument("sample_conditioned: model '" + model.to_string() +
                                "' does not give a binomial count on bit " + std::to_string(critical_bit));
  if (critical_bit >= region.width)
    throw std::invalid_argument("sample_conditioned: critical bit " + std::to_string(critical_bit) +
                                " outside elements of " + std::to_string(region.width) + " bits");
  // Every other allowed bit, independently at the model's rate: the same sampler on a mask without it.
  FaultModel rest = model;
  std::vector<unsigned> positions;
  for (unsigned b = 0; b < region.width; ++b)
    if (b != critical_bit && (model.bit_positions.empty() ||
                              std::binary_search(model.bit_positions.begin(), model.bit_positions.end(), b)))
      positions.push_back(b);
  std::vector<Fault> faults;
  if (!positions.empty()) {
    rest.bit_positions = positions;
    faults = sample_faults(rest, region, key).faults();
  }
  const FaultKind kind = *model.type().per_bit_fault;
  for (const std::uint64_t e : critical_elements) {
    if (e >= region.elements)
      throw std::invalid_argument("sample_conditioned: element " + std::to_string(e) + " outside " +
                                  std::to_string(region.elements) + " elements");
    faults.push_back({e * region.width + critical_bit, kind});
  }
  return FaultMap(region.elements * region.width, std::move(faults));
}

}  // namespace flipguard::faults
