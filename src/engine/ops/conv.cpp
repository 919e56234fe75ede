// Conv on oneDNN: layouts chosen by the library (format "any"), BatchNorm already folded into the weights,
// and the following Add (residual, as a sum post-op, in place when the addend is dead afterwards) and
// activation fused in.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

void build_conv(const model::Node& n, BuildContext& ctx) {
  const int x_id = ctx.id(n.inputs.at(0));
  const Value x = ctx.value(x_id);
  const auto& w = ctx.require_constant(n, 1);
  if (w.dims.size() < 3 || w.dims.size() > 5 || x.dims.size() != w.dims.size())
    throw std::runtime_error(ctx.error(n, "input " + model::dims_to_string(x.dims) + " and weight " +
                                              model::dims_to_string(w.dims) +
                                              " ranks are not a 1D/2D/3D convolution"));
  if (!w.is_float() || w.floats.empty())
    throw std::runtime_error(ctx.error(n, "weights must be floating point"));
  const std::int64_t group = n.get_int("group", 1);
  const std::int64_t out_c = w.dims[0], in_c_per_group = w.dims[1];
  if (group < 1 || out_c % group != 0 || x.dims[1] != in_c_per_group * group)
    throw std::runtime_error(ctx.error(n, "input has " + std::to_string(x.dims[1]) +
                                              " channels, weights expect " + std::to_string(in_c_per_group) +
                                              " x group " + std::to_string(group)));
  const Dims in_spatial(x.dims.begin() + 2, x.dims.end());
  const Dims kernel(w.dims.begin() + 2, w.dims.end());
  if (n.has("kernel_shape") && n.get_ints("kernel_shape") != kernel)
    throw std::runtime_error(ctx.error(n, "kernel_shape attribute disagrees with the weight shape"));
  const auto win = ops::resolve_window(n, ctx, in_spatial, kernel, false);

  Dims out_dims{x.dims[0], out_c};
  out_dims.insert(out_dims.end(), win.out.begin(), win.out.end());

  std::vector<float> bias;
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  if (has_bias) {
    bias = ctx.require_constant(n, 2).floats;
    if (static_cast<std::int64_t>(bias.size()) != out_c)
      throw std::runtime_error(ctx.error(n, "bias has " + std::to_string(bias.size()) + " values for " +
                                                std::to_string(out_c) + " output channels"));
  }

  // Fusion: [Add as sum] then [activation].
  std::string out_name = n.outputs.at(0);
  dnnl::post_ops po;
  int addend = -1, add_node = -1;
  const model::Node* next = ctx.sole_consumer(out_name);
  if (next && next->op_type == "Add" && next->inputs.size() == 2 && next->inputs[0] != next->inputs[1]) {
    const std::string& other = next->inputs[0] == out_name ? next->inputs[1] : next->inputs[0];
    if (ctx.has_value(other) && !ctx.graph().is_constant(other) && ctx.value(other).dims == out_dims) {
      addend = ctx.id(other);
      add_node = ctx.index_of(*next);
      po.append_sum(1.f);
      ctx.mark_fused(*next);
      out_name = next->outputs.at(0);
      next = ctx.sole_consumer(out_name);
    }
  }
  std::string fused = addend >= 0 ? " + sum" : "";
  if (next) {
    if (auto e = ops::eltwise_of(*next, ctx)) {
      po.append_eltwise(1.f, e->alg, e->alpha, e->beta);
      ctx.mark_fused(*next);
      fused += " + " + next->op_type;
      out_name = next->outputs.at(0);
    }
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);

  memory::dims wdims = ops::dnnl_dims(w.dims);
  if (group > 1) {
    wdims[0] = out_c / group;
    wdims.insert(wdims.begin(), group);
  }
  const memory::dims strides = ops::dnnl_dims(win.strides);
  memory::dims dil = ops::dnnl_dims(win.dilations);
  for (auto& d : dil) d -= 1;  // oneDNN counts dilation from 0
  const memory::desc src_any(ops::dnnl_dims(x.dims), dt::f32, tag::any);
  const memory::desc w_any(wdims, dt::f32, tag::any);
  const memory::desc b_md = has_bias ? memory::desc({out_c}, dt::f32, tag::a) : memory::desc();
  const memory::desc dst_any(ops::dnnl_dims(out_dims), dt::f32, tag::any);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    src_any, w_any, b_md, dst_any, strides, dil,
                                    ops::dnnl_dims(win.pad_begin), ops::dnnl_dims(win.pad_end));
  dnnl::convolution_forward::primitive_desc pd(d, attr, ctx.engine());

  // Input in the layout the kernel wants.
  int src_id = x_id;
  if (pd.src_desc() != x.md) {
    src_id = ctx.define(n.inputs[0] + "#conv_src", x.dims, pd.src_desc());
    ctx.add_layer(std::make_unique<PrimitiveLayer>(
        "reorder " + n.inputs[0] + " for " + n.name,
        dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine(), x.md, ctx.engine(), pd.src_desc())),
        std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, x_id}, {DNNL_ARG_TO, src_id}}));
  }

  // Output: in place over the addend when nothing else reads it later; else a copy of the addend first.
  int dst_id;
  if (addend >= 0 && ctx.value(addend).md == pd.dst_desc() &&
      ctx.value(addend).buffer != ctx.value(src_id).buffer && ctx.can_overwrite(addend, add_node)) {
    dst_id = ctx.define_alias(out_name, out_dims, pd.dst_desc(), addend);
  } else {
    dst_id = ctx.define(out_name, out_dims, pd.dst_desc());
    if (addend >= 0) {
      ctx.add_layer(std::make_unique<PrimitiveLayer>(
          "copy addend " + ctx.value(addend).name + " for " + n.name,
          dnnl::reorder(
              dnnl::reorder::primitive_desc(ctx.engine(), ctx.value(addend).md, ctx.engine(), pd.dst_desc())),
          std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, addend}, {DNNL_ARG_TO, dst_id}}));
    }
  }

  // Weights: logical (ONNX) layout reordered once into the kernel's layout; patched in place afterwards.
  const memory::desc w_logical(wdims, dt::f32,
                               group > 1 ? (wdims.size() == 4   ? tag::goiw
                                            : wdims.size() == 5 ? tag::goihw
                                                                : tag::goidhw)
                                         : (wdims.size() == 3   ? tag::oiw
                                            : wdims.size() == 4 ? tag::oihw
                                                                : tag::oidhw));
  dnnl::memory w_mem = ctx.make_weight_memory(pd.weights_desc(), w_logical, w.floats);
  std::unordered_map<int, dnnl::memory> fixed{{DNNL_ARG_WEIGHTS, w_mem}};
  const std::int64_t per_out = model::element_count(w.dims) / out_c, out_per_group = out_c / group;
  const int spatial_rank = static_cast<int>(kernel.size());
  const Dims kdims = kernel;
  ctx.add_weight(n.inputs[1], "conv.weight", w.dims, w.floats, w_mem,
                 [=](std::int64_t flat, std::int64_t* idx) {
                   const std::int64_t o = flat / per_out;
                   std::int64_t rem = flat % per_out;
                   std::int64_t* p = idx;
                   if (group > 1) {
                     *p++ = o / out_per_group;
                     *p++ = o % out_per_group;
                   } else {
                     *p++ = o;
                   }
                   std::int64_t inner = per_out / in_c_per_group;
                   *p++ = rem / inner;
                   rem %= inner;
                   for (int s = 0; s < spatial_rank; ++s) {
                     inner /= kdims[s];
                     *p++ = rem / inner;
                     rem %= inner;
                   }
                 });
  if (has_bias) {
    dnnl::memory b_mem = ctx.make_weight_memory(pd.bias_desc(), b_md, bias);
    fixed[DNNL_ARG_BIAS] = b_mem;
    ctx.add_weight(n.inputs[2], "conv.bias", {out_c}, bias, b_mem,
                   [](std::int64_t flat, std::int64_t* idx) { idx[0] = flat; });
  }
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(out_dims)) * static_cast<double>(per_out));
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "Conv " + n.name + fused + " " + model::dims_to_string(out_dims) + " [" + pd.impl_info_str() + "]",
      dnnl::convolution_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, src_id}, {DNNL_ARG_DST, dst_id}}, std::move(fixed)));
}

}  // namespace

void register_conv(OpRegistry& r) {
  r.add("Conv", build_conv, 1, 17, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
}

}  // namespace flipguard::engine
