// Small helpers shared by the operator builders: attribute decoding common to Conv and pooling, and the
// activation description used both by standalone activations and by Conv/Gemm post-op fusion.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "engine/build_context.hpp"

namespace flipguard::engine::ops {

struct Window {
  Dims kernel, strides, dilations, pad_begin, pad_end, out;
};

// Resolves kernel/strides/dilations/pads/auto_pad/ceil_mode of a Conv or pooling node over `in_spatial`.
Window resolve_window(const model::Node& n, const BuildContext& ctx, const Dims& in_spatial,
                      const Dims& kernel, bool allow_ceil);

struct Eltwise {
  dnnl::algorithm alg;
  float alpha = 0.f, beta = 0.f;
};

// The oneDNN eltwise for an activation node (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSwish, ...), if any.
std::optional<Eltwise> eltwise_of(const model::Node& n, const BuildContext& ctx);

dnnl::memory::dims dnnl_dims(const Dims& d);

// Calls fn(linear, index) for every index of `dims` in row-major order (the plain C++ kernels' loop).
template <class Fn>
void for_each_index(const Dims& dims, Fn&& fn) {
  const auto total = model::element_count(dims);
  std::vector<std::int64_t> idx(dims.size(), 0);
  for (std::int64_t lin = 0; lin < total; ++lin) {
    fn(lin, static_cast<const std::vector<std::int64_t>&>(idx));
    for (size_t d = dims.size(); d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace flipguard::engine::ops
