// Views of a buffer under other dims and strides, without a copy: the strides a Reshape, Transpose or Split
// part gives its input's elements, so that a MatMul reads q, k and v where the projection wrote them and
// writes its result where the Transpose after it would put it (BuildContext::define_strided_view).
#pragma once

#include <optional>

#include "model/graph.hpp"

namespace flipguard::engine::ops {

using model::Dims;

// Row-major strides (in elements) of `dims`.
Dims row_major_strides(const Dims& dims);

// The strides under which the elements of a tensor of `dims` and `strides` read in row-major order as `out`
// (a Reshape to `out`, element count equal), or nothing when no strides can (numpy's no-copy reshape test:
// dims merged or split only within runs that are contiguous among themselves).
std::optional<Dims> reshaped_strides(const Dims& dims, const Dims& strides, const Dims& out);

// v[perm[0]], v[perm[1]], ...
Dims permuted(const Dims& v, const Dims& perm);

}  // namespace flipguard::engine::ops
