#include "engine/ops/op_util.hpp"

#include <algorithm>
#include <stdexcept>

namespace flipguard::engine::ops {

Window resolve_window(const model::Node& n, const BuildContext& ctx, const Dims& in, const Dims& kernel,
                      bool allow_ceil) {
  const size_t r = in.size();
  Window w;
  w.kernel = kernel;
  w.strides = n.get_ints("strides", Dims(r, 1));
  w.dilations = n.get_ints("dilations", Dims(r, 1));
  Dims pads = n.get_ints("pads", Dims(2 * r, 0));
  if (w.strides.size() != r || w.dilations.size() != r || pads.size() != 2 * r || kernel.size() != r)
    throw std::runtime_error(ctx.error(n, "strides/dilations/pads/kernel rank does not match the input's " +
                                              std::to_string(r) + " spatial dims"));
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  const bool ceil_mode = n.get_int("ceil_mode", 0) != 0;
  if (ceil_mode && !allow_ceil) throw std::runtime_error(ctx.error(n, "ceil_mode is not supported here"));
  w.pad_begin.resize(r);
  w.pad_end.resize(r);
  w.out.resize(r);
  for (size_t i = 0; i < r; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || kernel[i] < 1)
      throw std::runtime_error(ctx.error(n, "strides, dilations and kernel sizes must be positive"));
    const std::int64_t eff_k = (kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[i] = (in[i] + w.strides[i] - 1) / w.strides[i];
      const std::int64_t total = std::max<std::int64_t>(0, (w.out[i] - 1) * w.strides[i] + eff_k - in[i]);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[i] = total - w.pad_begin[i];
    } else if (auto_pad == "VALID" || auto_pad == "NOTSET") {
      if (auto_pad == "NOTSET") {
        w.pad_begin[i] = pads[i];
        w.pad_end[i] = pads[i + r];
      } else {
        w.pad_begin[i] = w.pad_end[i] = 0;
      }
      const std::int64_t span = in[i] + w.pad_begin[i] + w.pad_end[i] - eff_k;
      if (span < 0) throw std::runtime_error(ctx.error(n, "kernel is larger than the padded input"));
      w.out[i] = ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] + 1 : span / w.strides[i] + 1;
      // ONNX/PyTorch: the last window must start inside the input or left padding.
      if (ceil_mode && (w.out[i] - 1) * w.strides[i] >= in[i] + w.pad_begin[i]) --w.out[i];
      // oneDNN computes floor output sizes: extend the right padding to reach the ceil size.
      w.pad_end[i] = std::max(w.pad_end[i], (w.out[i] - 1) * w.strides[i] + eff_k - in[i] - w.pad_begin[i]);
    } else {
      throw std::runtime_error(ctx.error(n, "unknown auto_pad '" + auto_pad + "'"));
    }
  }
  return w;
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
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      what, dnnl::eltwise_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y_id}}));
}

dnnl::memory::dims dnnl_dims(const Dims& d) {
  return dnnl::memory::dims(d.begin(), d.end());
}

}  // namespace flipguard::engine::ops
