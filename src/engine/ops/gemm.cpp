// Gemm (Y = A * B' + C) as a oneDNN inner product: the classifier layer of image models. B is a stored
// weight. A FusedGemm (model/fuse_activations.hpp) applies its activation as an eltwise post-op.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/fuse_activations.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

void build_gemm(const model::Node& n, BuildContext& ctx) {
  if (n.get_int("transA", 0) != 0) throw std::runtime_error(ctx.error(n, "transA=1 is not supported"));
  const float alpha = n.get_float("alpha", 1.f), beta = n.get_float("beta", 1.f);
  const int a_id = ctx.plain(n.inputs.at(0));
  const Value a = ctx.value(a_id);
  if (a.dims.size() != 2)
    throw std::runtime_error(ctx.error(n, "input A must be 2-D, got " + model::dims_to_string(a.dims)));
  const auto& b = ctx.require_constant(n, 1);
  if (b.dims.size() != 2) throw std::runtime_error(ctx.error(n, "B must be 2-D"));
  const bool trans_b = n.get_int("transB", 0) != 0;
  const std::int64_t k = a.dims[1], oc = trans_b ? b.dims[0] : b.dims[1];
  if ((trans_b ? b.dims[1] : b.dims[0]) != k)
    throw std::runtime_error(ctx.error(n, "A " + model::dims_to_string(a.dims) + " and B " +
                                              model::dims_to_string(b.dims) + " do not multiply"));
  // Weights in oneDNN's (OC, IC) order; alpha folded into them (exact when alpha is 1).
  std::vector<float> w(static_cast<size_t>(oc * k));
  for (std::int64_t o = 0; o < oc; ++o)
    for (std::int64_t i = 0; i < k; ++i) w[o * k + i] = alpha * b.floats[trans_b ? o * k + i : i * oc + o];
  std::vector<float> bias;
  const bool has_c = n.inputs.size() > 2 && !n.inputs[2].empty();
  if (has_c) {
    const auto& c = ctx.require_constant(n, 2);
    if (model::element_count(c.dims) == oc) {
      for (float v : c.floats) bias.push_back(beta * v);
    } else if (model::element_count(c.dims) == 1) {
      bias.assign(static_cast<size_t>(oc), beta * c.floats[0]);
    } else {
      throw std::runtime_error(
          ctx.error(n, "C of shape " + model::dims_to_string(c.dims) +
                           " is not a per-output bias; only that broadcast is supported"));
    }
  }
  const Dims out_dims{a.dims[0], oc};
  dnnl::post_ops po;
  const std::string fused = ops::append_fused_activation(n, po);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  const memory::desc w_any({oc, k}, dt::f32, tag::any);
  const memory::desc b_md = has_c ? memory::desc({oc}, dt::f32, tag::a) : memory::desc();
  dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_inference, a.md, w_any, b_md,
                                      memory::desc({a.dims[0], oc}, dt::f32, tag::nc));
  dnnl::inner_product_forward::primitive_desc pd(d, attr, ctx.engine());
  dnnl::memory w_mem = ctx.make_weight_memory(pd.weights_desc(), memory::desc({oc, k}, dt::f32, tag::oi), w);
  std::unordered_map<int, dnnl::memory> fixed{{DNNL_ARG_WEIGHTS, w_mem}};
  // The stored tensor is B as the ONNX file holds it (with alpha applied).
  std::vector<float> clean(b.floats.size());
  for (size_t i = 0; i < clean.size(); ++i) clean[i] = alpha * b.floats[i];
  const std::int64_t b_cols = b.dims[1];
  ctx.add_weight(n.inputs[1], "gemm.weight", b.dims, clean, w_mem, [=](std::int64_t flat, std::int64_t* idx) {
    const std::int64_t r = flat / b_cols, c = flat % b_cols;
    idx[0] = trans_b ? r : c;
    idx[1] = trans_b ? c : r;
  });
  if (has_c) {
    dnnl::memory b_mem = ctx.make_weight_memory(pd.bias_desc(), b_md, bias);
    fixed[DNNL_ARG_BIAS] = b_mem;
    if (model::element_count(ctx.constant(n.inputs[2])->dims) == oc)
      ctx.add_weight(n.inputs[2], "gemm.bias", {oc}, bias, b_mem,
                     [](std::int64_t f, std::int64_t* idx) { idx[0] = f; });
  }
  ctx.add_flops(2.0 * static_cast<double>(a.dims[0] * k * oc));
  const int y = ctx.define(n.outputs.at(0), out_dims, pd.dst_desc());
  auto layer = std::make_unique<PrimitiveLayer>(
      "Gemm " + n.name + fused + " [" + pd.impl_info_str() + "]", dnnl::inner_product_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, a_id}, {DNNL_ARG_DST, y}}, std::move(fixed));
  const auto make = [&](const dnnl::post_ops& faithful) -> dnnl::primitive {
    dnnl::primitive_attr fa;
    fa.set_post_ops(faithful);
    return dnnl::inner_product_forward(dnnl::inner_product_forward::primitive_desc(
        dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference, pd.src_desc(),
                                          pd.weights_desc(), pd.bias_desc(), pd.dst_desc()),
        fa, ctx.engine()));
  };
  if (auto f = ops::faithful_fused_activation(n, {}, make, pd.dst_desc(), out_dims))
    layer->set_faithful(std::move(*f));
  ctx.add_layer(std::move(layer));
}

}  // namespace

void register_gemm(OpRegistry& r) {
  r.add("Gemm", build_gemm, 7, 17, {"alpha", "beta", "transA", "transB"});
  r.add_internal(model::kFusedGemm, build_gemm, 7, 17,
                 {"alpha", "beta", "transA", "transB", "activation", "activation_params"});
}

}  // namespace flipguard::engine
