// Shape arithmetic of ONNX operators, written once for shape inference, the load-time constant kernels and
// the engine's builders. Functions throw std::invalid_argument with the problem; callers add the file and
// the node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::model {

// `axis` in [-rank, rank) as a non-negative axis.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank);

// Numpy broadcasting of two or more shapes.
Dims broadcast_dims(const Dims& a, const Dims& b);

// `d` with leading 1s up to `rank`.
Dims left_pad(const Dims& d, size_t rank);

// Row-major strides of `dims` (in elements).
Dims strides_of(const Dims& dims);

// Reshape's target: 0 copies the input dim (unless allow_zero), one -1 is inferred. With `batch_widened`
// (a model declared at batch 1 run at a larger batch) a hard-coded leading 1 stands for the batch, as
// exporters write it.
Dims reshape_dims(const Dims& in, const Dims& shape, bool allow_zero, bool batch_widened = false);
Dims flatten_dims(const Dims& in, std::int64_t axis);
// Squeeze with no axes drops every dim of size 1.
Dims squeeze_dims(const Dims& in, Dims axes);
Dims unsqueeze_dims(const Dims& in, Dims axes);
// An empty perm reverses the dims.
Dims transpose_perm(size_t rank, Dims perm);
Dims concat_dims(const std::vector<Dims>& inputs, std::int64_t axis);
Dims expand_dims(const Dims& in, const Dims& shape);
// Gather: data[..., indices, ...] along axis: data.dims[:axis] + indices.dims + data.dims[axis+1:].
Dims gather_dims(const Dims& data, const Dims& indices, std::int64_t axis);

// A Slice resolved against the input: per dim the first index, the step and the output extent (clamped as
// ONNX defines; an extent may be 0).
struct SliceRange {
  Dims begin, step, out;
};
SliceRange slice_range(const Dims& in, const Dims& starts, const Dims& ends, Dims axes, Dims steps);

// Split sizes along `axis`: the given sizes (which must add up to the dim), or `outputs` equal parts.
Dims split_sizes(const Dims& in, std::int64_t axis, const Dims& sizes, size_t outputs);

// An integer list given by a node as a constant input (since some opset) or an attribute (before): the
// input `input` when present, else attribute `attr`, else empty. Nothing when the input is computed.
std::optional<Dims> int_list_operand(const Node& n, const Graph& g, size_t input, const char* attr);

}  // namespace flipguard::model
