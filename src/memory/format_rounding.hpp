// A whole buffer of floats stored in a format and read back, in place: what storing an activation in fp16
// or bf16 does to every element on every write. Equal, element for element and bit for bit, to
// decode(encode(x)) of the Format (NaN included: quiet, sign and top payload kept), but vectorised: F16C
// converts 16 values per instruction where the CPU has it, and the bf16 rounding is branch-free.
#pragma once

#include <cstdint>

#include "memory/format.hpp"

namespace flipguard::memory {

// Rounds `n` floats at `data` through `format` (scale 1: for floats and fixed point; int8 needs its scale,
// and is refused with std::invalid_argument). fp32 leaves them as they are.
void round_through(const Format& format, float* data, std::int64_t n);

// Symmetric int8 with `scale` (positive, finite): int8_decode(int8_encode(x, scale), scale) element by
// element, bit for bit, in a loop that vectorises; a NaN, which an int8 word cannot hold, stores as 0.
void round_through_int8(float* data, std::int64_t n, float scale);

}  // namespace flipguard::memory
