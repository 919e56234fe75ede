// Small helpers shared by the operator builders: attribute decoding common to Conv and pooling, and the
// oneDNN eltwise behind an activation, used both by standalone activations and by the post-ops of fused
// Conv/Gemm nodes.
#pragma once

#include <array>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/build_context.hpp"
#include "engine/ops/strided_loops.hpp"
#include "model/fuse_activations.hpp"
#include "model/window.hpp"

namespace flipguard::engine::ops {

using model::Window;

// Resolves kernel/strides/dilations/pads/auto_pad/ceil_mode of a Conv or pooling node over `in_spatial`.
Window resolve_window(const model::Node& n, const BuildContext& ctx, const Dims& in_spatial,
                      const Dims& kernel, bool allow_ceil);

struct Eltwise {
  dnnl::algorithm alg;
  float alpha = 0.f, beta = 0.f;
};

// The oneDNN eltwise computing an activation (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSwish, ...).
Eltwise eltwise_of(const model::Activation& a);

// Appends the activation of a fused node (model/fuse_activations.hpp), if it has one, as an eltwise post-op;
// returns how a layer's name shows it (" + Relu"), or "".
std::string append_fused_activation(const model::Node& n, dnnl::post_ops& po);

// The faithful step (layer.hpp) of a primitive whose fused activation is n's, or nothing where oneDNN's
// post-op propagates a NaN already. oneDNN's relu (alpha 0) maps NaN to 0, its clip to the lower bound:
// the faithful primitive, built by `make` from `before` (the post-ops ahead of the activation: a sum) plus
// a replacement, runs relu as elu with alpha 0 then + 0 (elu blends on x > 0, so NaN stays NaN, and its
// -0 for x <= 0 turns +0: relu's result bit for bit otherwise). Clip has no such form: the faithful
// primitive leaves it out and a propagating clip runs over the output `dst` (none where the output's padding
// would take a nonzero clip(0)). `make` throwing dnnl::error means no faithful step.
std::optional<FaithfulFn> faithful_fused_activation(
    const model::Node& n, const dnnl::post_ops& before,
    const std::function<dnnl::primitive(const dnnl::post_ops&)>& make, const dnnl::memory::desc& dst,
    const Dims& dst_dims);

// Clip propagating NaN, over `count` floats of `in` into `out` (may be `in`), on the OpenMP team.
void clip_propagating(const float* in, float* out, std::int64_t count, float lo, float hi);

// Adds a layer named `what` computing `e` of value `x` into a new value `y`, in place when nothing reads x
// later. Relu, Clip and Exp get a faithful step (layer.hpp).
void add_eltwise_layer(BuildContext& ctx, const std::string& what, const std::string& x, const std::string& y,
                       const Eltwise& e);

dnnl::memory::dims dnnl_dims(const Dims& d);

// A pooling over the whole spatial extent of `x` (dims, layout md) into [N, C, 1...], layout chosen by
// oneDNN: GlobalAveragePool / GlobalMaxPool. Returns the desc and the output dims; std::invalid_argument
// for a rank outside 3-5 (build_network names the node).
std::pair<dnnl::pooling_forward::desc, Dims> global_pool_desc(dnnl::algorithm alg, const Dims& x,
                                                              const dnnl::memory::desc& md);

// Walks `out` in row-major order calling fn(linear, offsets), where offsets[k] is the flat offset of the
// element operand k reads under numpy broadcasting (operand dims are left-padded to out's rank). Offsets are
// updated incrementally: O(1) per element, no per-element index vectors.
template <size_t N, class Fn>
void for_each_broadcast(const Dims& out, const std::array<Dims, N>& operands, Fn&& fn) {
  const size_t rank = out.size();
  std::array<Dims, N> stride;
  for (size_t k = 0; k < N; ++k) stride[k] = broadcast_strides(operands[k], out);
  const auto total = model::element_count(out);
  std::vector<std::int64_t> idx(rank, 0);
  std::array<std::int64_t, N> off{};
  for (std::int64_t lin = 0; lin < total; ++lin) {
    fn(lin, static_cast<const std::array<std::int64_t, N>&>(off));
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out[d]) {
        for (size_t k = 0; k < N; ++k) off[k] += stride[k][d];
        break;
      }
      for (size_t k = 0; k < N; ++k) off[k] -= stride[k][d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace flipguard::engine::ops
