// Element-wise loops over strided operands, for the plain C++ kernels (Slice, broadcast binaries): dims that
// are contiguous for every operand are merged, so the innermost loop runs over long unit-stride rows the
// compiler vectorizes, and rows are shared among the threads. A per-element index walk was 50-100x slower
// (ShuffleNet's channel Slices, Swin's window-mask Add).
#pragma once

#include <cstdint>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::engine::ops {

using model::Dims;

// Element strides of a row-major tensor of `dims` read as `out`-shaped under numpy broadcasting (dims
// left-padded with 1 to out's rank; a broadcast dim has stride 0).
Dims broadcast_strides(const Dims& dims, const Dims& out);

// dst[i] = src[offset + sum(i_d * strides[d])] for every index i of `dims`, dst dense row-major. Strides may
// be negative (Slice with negative steps).
void copy_strided(const float* src, std::int64_t offset, const Dims& dims, const Dims& strides, float* dst);

enum class BinaryOp { add, sub, mul, div };

// dst = a op b over `out` (dense), a and b read with the given element strides (0 where broadcast).
void binary_strided(BinaryOp op, const float* a, const Dims& a_strides, const float* b, const Dims& b_strides,
                    const Dims& out, float* dst);

}  // namespace flipguard::engine::ops
