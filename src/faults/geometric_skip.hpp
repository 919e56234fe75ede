// Independent Bernoulli(p) trials over slots [0, m) visited in O(successes): the gap to the next success is
// geometric, drawn by inversion as floor(log(U) / log(1-p)), so there is no random draw per slot.
#pragma once

#include <cmath>
#include <cstdint>

#include "faults/rng.hpp"

namespace flipguard::faults {

class GeometricSkip {
 public:
  // p must already be validated to lie in [0, 1].
  GeometricSkip(double p, std::uint64_t slots) : p_(p), slots_(slots), log_q_(std::log1p(-p)) {}

  std::uint64_t slots() const { return slots_; }

  // The first success at a slot >= from, or slots() when there is none before the end. Successive calls with
  // from = previous + 1 enumerate all successes; P(from is a success) = p exactly (up to U's 2^-52 grid).
  std::uint64_t next(std::uint64_t from, KeyedRng& rng) const {
    if (from >= slots_ || p_ <= 0.0) return slots_;
    if (p_ >= 1.0) return from;
    // log1p keeps log(1-p) accurate for tiny p, where log(1 - p) would round to 0 or lose all digits.
    const double gap = std::floor(std::log(rng.uniform_open()) / log_q_);
    const std::uint64_t remaining = slots_ - from;
    // Compare in double first: gap may exceed 2^64 when p is tiny; then check exactly in integers.
    if (!(gap < static_cast<double>(remaining))) return slots_;
    const auto g = static_cast<std::uint64_t>(gap);
    return g < remaining ? from + g : slots_;
  }

 private:
  double p_;
  std::uint64_t slots_;
  double log_q_;
};

}  // namespace flipguard::faults
