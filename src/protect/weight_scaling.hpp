// Weight scaling (arXiv 2411.18993): store W*c instead of W, read back decode(stored)/c, with c = t / max|W|
// chosen so the scaled weights fill the format up to t. A flipped bit then changes the stored value by the
// same amount as before, but that amount is divided by c on the way out.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "memory/format.hpp"

namespace flipguard::protect {

enum class Granularity { per_tensor, per_channel };

// The default t for a format:
//  - fixed point: the largest representable value (Q2.5: 127/32 = 3.96875), so the largest weight uses the
//    whole integer range and every flip is as small as it can be relative to the weights.
//  - fp32/fp16/bf16: the largest value below 2 (fp32 1.9999999, fp16 1.9990234, bf16 1.9921875). Every scaled
//    weight then has |x| < 2, i.e. a biased exponent whose top bit is 0, so flipping any other exponent bit
//    or a mantissa bit yields a finite value still below 2 in magnitude with the same sign: a read error
//    under 2/c (a sign flip gives 2|x|/c < 4/c). Such a flip can only shrink the magnitude of the largest
//    weights, those in [1, t] whose lower exponent bits are all 1; a smaller weight can grow, but not past 2.
//    Only the exponent's top bit stays catastrophic: it lifts |x| to 2 or more, up to 2^128 (fp32, bf16) or
//    2^16 (fp16) times larger, and to Inf/NaN for |x| in [1, 2).
//  - int8 / int8-channel: 1 and irrelevant. Symmetric INT8 already maps max|W| to 127, so multiplying W by
//    any c first changes neither the stored integers nor the read value: scaling is a no-op there.
float default_scale_target(const memory::Format& format);

// One factor per channel (axis 0, `channels` equal blocks), or a single factor for per_tensor. c is nudged
// down by ulps until max|W|*c <= t holds in float, so rounding never lifts a weight past t. A block whose
// weights are all zero gets c = 1. Throws std::invalid_argument for t <= 0, non-finite weights or a bad
// split.
std::vector<float> scaling_factors(std::span<const float> weights, std::size_t channels,
                                   Granularity granularity, float target);

}  // namespace flipguard::protect
