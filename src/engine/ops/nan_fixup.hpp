// Faithful steps (layer.hpp) of the reductions whose oneDNN kernels keep a NaN from the result where
// PyTorch and ONNX Runtime return it: max pooling (a NaN in the window is skipped) and Softmax/LogSoftmax (a
// NaN or +Inf makes only its own element NaN). Each runs the fast kernel, then sets NaN where the reference
// has it; the other outputs are the kernel's, bit for bit.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/layer.hpp"
#include "model/graph.hpp"

namespace flipguard::engine::ops {

using model::Dims;

// Max pooling `prim` from `src` (dims `in`, any layout) into `dst` (dims `out`): an output is NaN when its
// window (kernel, strides, pad_begin; no dilation) holds one.
FaithfulFn max_pool_with_nan(const dnnl::engine& engine, dnnl::primitive prim, const dnnl::memory::desc& src,
                             const Dims& in, const dnnl::memory::desc& dst, const Dims& out,
                             const Dims& kernel, const Dims& strides, const Dims& pad_begin);

// The bytes max_pool_with_nan's step allocates on its first NaN and keeps: a plain copy of a blocked source,
// the plain NaN mask and its copy in a blocked destination's layout.
std::uint64_t max_pool_nan_scratch_bytes(const dnnl::memory::desc& src, const Dims& in,
                                         const dnnl::memory::desc& dst, const Dims& out);

// Softmax or LogSoftmax `prim` over `axis` of plain `dims` (source and destination apart): a row holding a
// NaN or +Inf, or only -Inf, comes out all NaN.
FaithfulFn softmax_with_nan(dnnl::primitive prim, const Dims& dims, int axis);

}  // namespace flipguard::engine::ops
