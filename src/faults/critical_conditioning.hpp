// Per-bit faults conditioned on how many of them land on one bit position (a format's critical bit) over a
// whole model: the sampler of a stratified campaign.
//
// Why: under independent per-bit faults at rate p, the number K of faults on the critical bit of N words is
// exactly Binomial(N, p), and given K = k those k faults sit on a uniformly random k-subset of the N words,
// independently of every other bit. So a trial of stratum [lo, hi] draws k from Binomial(N, p) conditioned on
// lo <= k <= hi, places k critical faults uniformly among the N words (across all tensors), and samples every
// other bit independently at p as an ordinary trial does. Mixing the strata with their exact binomial
// probabilities gives back the unconditioned fault model exactly.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "faults/fault_map.hpp"
#include "faults/fault_model.hpp"
#include "faults/rng.hpp"
#include "faults/sampler.hpp"

namespace flipguard::faults {

inline constexpr std::int64_t kNoUpperCount = std::numeric_limits<std::int64_t>::max();

// P(lo <= K <= hi) for K ~ Binomial(n, p), summed term by term from the log pmf (no cancellation).
double binomial_range_probability(std::int64_t n, double p, std::int64_t lo, std::int64_t hi);

// One draw of K ~ Binomial(n, p) conditioned on lo <= K <= hi (hi may be kNoUpperCount), by inversion over
// the exact pmf. Throws std::invalid_argument when the range has probability 0 (or is empty) or p is not a
// probability.
std::int64_t conditioned_binomial(std::int64_t n, double p, std::int64_t lo, std::int64_t hi, KeyedRng& rng);

// A uniformly random k-subset of the words of several tensors taken together (`words[t]` words in tensor t),
// returned per tensor as sorted word indices. Floyd's algorithm: O(k log k) whatever the sizes.
std::vector<std::vector<std::uint64_t>> place_uniformly(std::span<const std::uint64_t> words, std::int64_t k,
                                                        KeyedRng& rng);

// One tensor's faults of a conditioned trial: `model`'s independent faults on every allowed bit except
// `critical_bit` (keyed by `key`, as sample_faults), plus a fault of the model's kind on `critical_bit` of
// each element in `critical_elements`. Only per-bit kinds (FaultModelType::per_bit_fault) whose bits include
// the critical bit can be conditioned; others throw std::invalid_argument.
FaultMap sample_conditioned(const FaultModel& model, const SampleRegion& region, const RngKey& key,
                            unsigned critical_bit, std::span<const std::uint64_t> critical_elements);

// Whether `model` leaves the count on `critical_bit` exactly Binomial (per-bit kinds whose bits include it).
bool conditionable(const FaultModel& model, unsigned critical_bit);

}  // namespace flipguard::faults
