#include "engine/ops/op_util.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace flipguard::engine::ops {

Window resolve_window(const model::Node& n, const BuildContext& ctx, const Dims& in, const Dims& kernel,
                      bool allow_ceil) {
  return model::resolve_window(n, ctx.graph().source, in, kernel, allow_ceil);
}

Eltwise eltwise_of(const model::Activation& a) {
  using dnnl::algorithm;
  using K = model::ActivationKind;
  switch (a.kind) {
    case K::Relu:
      return {algorithm::eltwise_relu, 0.f, 0.f};
    case K::LeakyRelu:
      return {algorithm::eltwise_relu, a.alpha, 0.f};
    case K::Sigmoid:
      return {algorithm::eltwise_logistic};
    case K::Tanh:
      return {algorithm::eltwise_tanh};
    case K::HardSwish:
      return {algorithm::eltwise_hardswish};
    case K::Elu:
      return {algorithm::eltwise_elu, a.alpha, 0.f};
    case K::Exp:
      return {algorithm::eltwise_exp};
    case K::Abs:
      return {algorithm::eltwise_abs};
    case K::Sqrt:
      return {algorithm::eltwise_sqrt};
    case K::Neg:
      return {algorithm::eltwise_linear, -1.f, 0.f};
    case K::Clip:
      return {algorithm::eltwise_clip_v2, a.alpha, a.beta};
    case K::GeluErf:
      return {algorithm::eltwise_gelu_erf};
    case K::GeluTanh:
      return {algorithm::eltwise_gelu_tanh};
    case K::Silu:
      return {algorithm::eltwise_swish, 1.f};
  }
  throw std::logic_error("eltwise_of: unknown activation");
}

std::string append_fused_activation(const model::Node& n, dnnl::post_ops& po) {
  const auto act = model::fused_activation(n);
  if (!act) return "";
  const Eltwise e = eltwise_of(*act);
  po.append_eltwise(1.f, e.alg, e.alpha, e.beta);
  return " + " + model::op_type_of(act->kind);
}

void clip_propagating(const float* in, float* out, std::int64_t count, float lo, float hi) {
  // min(max(x, lo), hi) with comparisons a NaN fails, so it passes both.
#pragma omp parallel for schedule(static)  // no `simd`: clang cannot promise it under the sanitizers
  for (std::int64_t i = 0; i < count; ++i) {
    float v = in[i];
    v = v < lo ? lo : v;
    out[i] = v > hi ? hi : v;
  }
}

namespace {

std::int64_t floats_of(const dnnl::memory::desc& md) {
  return static_cast<std::int64_t>(md.get_size() / sizeof(float));
}

// Whether a clip over all of md's floats leaves what md's padding must hold (zeros).
bool clip_keeps_padding(const dnnl::memory::desc& md, const Dims& dims, const model::Activation& clip) {
  return (clip.alpha <= 0.f && clip.beta >= 0.f) || floats_of(md) == model::element_count(dims);
}

}  // namespace

std::optional<FaithfulFn> faithful_fused_activation(
    const model::Node& n, const dnnl::post_ops& before,
    const std::function<dnnl::primitive(const dnnl::post_ops&)>& make, const dnnl::memory::desc& dst,
    const Dims& dst_dims) {
  const auto act = model::fused_activation(n);
  if (!act) return std::nullopt;
  const bool relu = act->kind == model::ActivationKind::Relu;
  const bool clip = act->kind == model::ActivationKind::Clip;
  if (!relu && !(clip && clip_keeps_padding(dst, dst_dims, *act))) return std::nullopt;
  dnnl::post_ops po = before;
  if (relu) {
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 0.f, 0.f);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f, 0.f);
  }
  dnnl::primitive prim;
  try {
    prim = make(po);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
  const float lo = act->alpha, hi = act->beta;
  const std::int64_t count = floats_of(dst);
  return
      [prim, clip, lo, hi, count](dnnl::stream& stream, const std::unordered_map<int, dnnl::memory>& args) {
        prim.execute(stream, args);
        if (!clip) return;
        stream.wait();
        auto* y = static_cast<float*>(args.at(DNNL_ARG_DST).get_data_handle());
        clip_propagating(y, y, count, lo, hi);
      };
}

void add_eltwise_layer(BuildContext& ctx, const std::string& what, const std::string& x, const std::string& y,
                       const Eltwise& e) {
  // Eltwise on a zero-padded blocked layout would write f(0) into the padding (Sigmoid(0) = 0.5), which
  // later kernels assume is 0: only functions with f(0) = 0 run on blocked data.
  const bool zero_preserving = e.alg != dnnl::algorithm::eltwise_logistic &&
                               e.alg != dnnl::algorithm::eltwise_exp &&
                               !(e.alg == dnnl::algorithm::eltwise_clip_v2 && (e.alpha > 0 || e.beta < 0));
  const int x_id = zero_preserving ? ctx.id(x) : ctx.plain(x);
  const Value xv = ctx.value(x_id);
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, e.alg, xv.md, e.alpha, e.beta);
  dnnl::eltwise_forward::primitive_desc pd(d, ctx.engine());
  const int y_id =
      ctx.can_overwrite(x_id) ? ctx.define_alias(y, xv.dims, xv.md, x_id) : ctx.define(y, xv.dims, xv.md);
  auto layer = std::make_unique<PrimitiveLayer>(
      what, dnnl::eltwise_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y_id}});
  // oneDNN's relu (alpha 0) and clip map NaN to 0 and the lower bound, its exp to +Inf: the faithful step
  // notes where the input is NaN (it may be overwritten in place), runs the kernel and puts NaN back there.
  // Every other element is the kernel's, bit for bit.
  if ((e.alg == dnnl::algorithm::eltwise_relu && e.alpha == 0.f) ||
      e.alg == dnnl::algorithm::eltwise_clip_v2 || e.alg == dnnl::algorithm::eltwise_exp) {
    const std::int64_t count = floats_of(xv.md);
    layer->set_faithful([prim = dnnl::eltwise_forward(pd), count](
                            dnnl::stream& stream, const std::unordered_map<int, dnnl::memory>& args) {
      stream.wait();
      const auto* in = static_cast<const float*>(args.at(DNNL_ARG_SRC).get_data_handle());
      std::vector<std::int64_t> nans;
      for (std::int64_t i = 0; i < count; ++i)
        if (std::isnan(in[i])) nans.push_back(i);
      prim.execute(stream, args);
      stream.wait();
      auto* out = static_cast<float*>(args.at(DNNL_ARG_DST).get_data_handle());
      for (const auto i : nans) out[i] = std::numeric_limits<float>::quiet_NaN();
    });
  }
  ctx.add_layer(std::move(layer));
}

dnnl::memory::dims dnnl_dims(const Dims& d) {
  return dnnl::memory::dims(d.begin(), d.end());
}

std::pair<dnnl::pooling_forward::desc, Dims> global_pool_desc(dnnl::algorithm alg, const Dims& x,
                                                              const dnnl::memory::desc& md) {
  if (x.size() < 3 || x.size() > 5)
    throw std::invalid_argument("a global pool needs a 3-D to 5-D input, got " + model::dims_to_string(x));
  Dims out(x.size(), 1);
  out[0] = x[0];
  out[1] = x[1];
  dnnl::memory::dims kernel = dnnl_dims(x), ones(x.size() - 2, 1), zeros(x.size() - 2, 0);
  kernel.erase(kernel.begin(), kernel.begin() + 2);
  return {dnnl::pooling_forward::desc(
              dnnl::prop_kind::forward_inference, alg, md,
              dnnl::memory::desc(dnnl_dims(out), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any),
              ones, kernel, zeros, zeros),
          out};
}

}  // namespace flipguard::engine::ops
