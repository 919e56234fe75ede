// Conv and FusedConv on oneDNN, in the layouts the layout plan asks for (layout_plan.hpp: the library's
// choice, or the blocked layout), BatchNorm already folded into the weights. A zero-padded 1x1 conv the plan
// runs unpadded gets a border fill (border_fill.hpp), or, when the plan gave it the GlobalAveragePool that
// alone reads it, that pool with the border's share added (build_pooled_border). A FusedConv
// (model/fuse_activations.hpp) adds its residual Z as a sum post-op (in place when Z is dead afterwards) and
// applies its activation as an eltwise post-op.
#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "engine/layout_plan.hpp"
#include "engine/op_registry.hpp"
#include "engine/ops/border_fill.hpp"
#include "engine/ops/op_util.hpp"
#include "model/fuse_activations.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// The checked geometry of a convolution.
struct ConvShape {
  std::int64_t group = 1, out_c = 0, in_c_per_group = 0;
  Dims kernel;  // spatial extent of the weights
  ops::Window win;
  Dims out;  // output dims [N, out_c, spatial...]
};

ConvShape conv_shape(const model::Node& n, const BuildContext& ctx, const Dims& x, const model::Constant& w) {
  if (w.dims.size() < 3 || w.dims.size() > 5 || x.size() != w.dims.size())
    throw std::runtime_error(ctx.error(n, "input " + model::dims_to_string(x) + " and weight " +
                                              model::dims_to_string(w.dims) +
                                              " ranks are not a 1D/2D/3D convolution"));
  if (!w.is_float() || w.floats.empty())
    throw std::runtime_error(ctx.error(n, "weights must be floating point"));
  ConvShape s;
  s.group = n.get_int("group", 1);
  s.out_c = w.dims[0];
  s.in_c_per_group = w.dims[1];
  if (s.group < 1 || s.out_c % s.group != 0 || x[1] != s.in_c_per_group * s.group)
    throw std::runtime_error(ctx.error(n, "input has " + std::to_string(x[1]) + " channels, weights expect " +
                                              std::to_string(s.in_c_per_group) + " x group " +
                                              std::to_string(s.group)));
  const Dims in_spatial(x.begin() + 2, x.end());
  s.kernel.assign(w.dims.begin() + 2, w.dims.end());
  if (n.has("kernel_shape") && n.get_ints("kernel_shape") != s.kernel)
    throw std::runtime_error(ctx.error(n, "kernel_shape attribute disagrees with the weight shape"));
  s.win = ops::resolve_window(n, ctx, in_spatial, s.kernel, false);
  s.out = {x[0], s.out_c};
  s.out.insert(s.out.end(), s.win.out.begin(), s.win.out.end());
  return s;
}

bool has_input(const model::Node& n, size_t i) {
  return n.inputs.size() > i && !n.inputs[i].empty();
}

// The bias (input 2), or none.
std::vector<float> conv_bias(const model::Node& n, const BuildContext& ctx, std::int64_t out_c) {
  if (!has_input(n, 2)) return {};
  std::vector<float> bias = ctx.require_constant(n, 2).floats;
  if (static_cast<std::int64_t>(bias.size()) != out_c)
    throw std::runtime_error(ctx.error(n, "bias has " + std::to_string(bias.size()) + " values for " +
                                              std::to_string(out_c) + " output channels"));
  return bias;
}

// What a FusedConv applies to the convolution's result before writing it.
struct ConvEpilogue {
  int addend = -1;  // value id of the residual Z (sum post-op), or -1
  dnnl::post_ops post_ops;
  dnnl::post_ops before_activation;  // the sum alone
  std::string text;                  // how the layer's name shows it: " + sum + Relu"
};

ConvEpilogue conv_epilogue(const model::Node& n, BuildContext& ctx) {
  ConvEpilogue e;
  if (has_input(n, 3)) {
    e.addend = ctx.id(n.inputs[3]);
    e.post_ops.append_sum(1.f);
    e.before_activation.append_sum(1.f);
    e.text = " + sum";
  }
  e.text += ops::append_fused_activation(n, e.post_ops);
  return e;
}

// oneDNN's weights dims: O, I/group, k... or, grouped, G, O/G, I/G, k...
memory::dims weight_dims(const model::Constant& w, const ConvShape& s) {
  memory::dims d = ops::dnnl_dims(w.dims);
  if (s.group > 1) {
    d[0] = s.out_c / s.group;
    d.insert(d.begin(), s.group);
  }
  return d;
}

// The ONNX layout of the weights, in oneDNN's terms.
tag logical_weight_tag(size_t rank, bool grouped) {
  if (grouped) return rank == 4 ? tag::goiw : rank == 5 ? tag::goihw : tag::goidhw;
  return rank == 3 ? tag::oiw : rank == 4 ? tag::oihw : tag::oidhw;
}

// The layouts the layout plan asks for (layout_plan.hpp), in oneDNN's terms, for the input as it is.
struct ConvTags {
  tag src = tag::any, dst = tag::any;
};

ConvTags conv_tags(const ConvPlan& plan, const BuildContext& ctx, int x_id) {
  const Value& x = ctx.value(x_id);
  if (x.dims.size() != 4) return {};
  const bool blocked_input = x.md == memory::desc(ops::dnnl_dims(x.dims), dt::f32, tag::nChw16c);
  const ConvLayouts layouts = plan.resolve(x.dims, blocked_input);
  const auto tag_of = [](ConvTensorLayout l) {
    return l == ConvTensorLayout::Blocked ? tag::nChw16c : tag::any;
  };
  return {tag_of(layouts.src), tag_of(layouts.dst)};
}

// The primitive in the layouts asked for, or in the library's choice where no optimised kernel takes them.
dnnl::convolution_forward::primitive_desc conv_primitive(BuildContext& ctx, const Dims& x, const ConvShape& s,
                                                         const memory::dims& wdims, bool has_bias,
                                                         const dnnl::post_ops& post_ops,
                                                         const ConvTags& layout = {}) {
  dnnl::primitive_attr attr;
  attr.set_post_ops(post_ops);
  memory::dims dil = ops::dnnl_dims(s.win.dilations);
  for (auto& d : dil) d -= 1;  // oneDNN counts dilation from 0
  const memory::desc src(ops::dnnl_dims(x), dt::f32, layout.src);
  const memory::desc w_any(wdims, dt::f32, tag::any);
  const memory::desc b_md = has_bias ? memory::desc({s.out_c}, dt::f32, tag::a) : memory::desc();
  const memory::desc dst(ops::dnnl_dims(s.out), dt::f32, layout.dst);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    src, w_any, b_md, dst, ops::dnnl_dims(s.win.strides), dil,
                                    ops::dnnl_dims(s.win.pad_begin), ops::dnnl_dims(s.win.pad_end));
  if (layout.src != tag::any || layout.dst != tag::any) {
    try {
      dnnl::convolution_forward::primitive_desc pd(d, attr, ctx.engine());
      if (std::string(pd.impl_info_str()).find("ref") == std::string::npos) return pd;
    } catch (const dnnl::error&) {
    }
    return conv_primitive(ctx, x, s, wdims, has_bias, post_ops);
  }
  return dnnl::convolution_forward::primitive_desc(d, attr, ctx.engine());
}

// The input in the layout the kernel wants: itself, or a reorder into a new value.
int conv_source(const model::Node& n, BuildContext& ctx, int x_id, const memory::desc& want) {
  const Value x = ctx.value(x_id);
  if (want == x.md) return x_id;
  // One blocked copy serves every conv that reads it (a ResNet's residual branch and its main path).
  if (x.dims.size() == 4 && want == memory::desc(ops::dnnl_dims(x.dims), dt::f32, tag::nChw16c))
    return ctx.in_layout(n.inputs[0], want, "nChw16c", "for " + n.name);
  const int src_id = ctx.define(n.inputs[0] + "#conv_src", x.dims, want);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "reorder " + n.inputs[0] + " for " + n.name,
      dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine(), x.md, ctx.engine(), want)),
      std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, x_id}, {DNNL_ARG_TO, src_id}}));
  return src_id;
}

// The output value. With a residual, the sum post-op adds to what the destination holds: the output is the
// addend's own buffer when nothing else reads the addend later, else a copy of the addend made first.
int conv_destination(const model::Node& n, BuildContext& ctx, int addend, int src_id, const Dims& out,
                     const memory::desc& md) {
  const std::string& name = n.outputs.at(0);
  if (addend >= 0 && ctx.value(addend).md == md && ctx.value(addend).buffer != ctx.value(src_id).buffer &&
      ctx.can_overwrite(addend))
    return ctx.define_alias(name, out, md, addend);
  const int dst_id = ctx.define(name, out, md);
  if (addend >= 0)
    ctx.add_layer(std::make_unique<PrimitiveLayer>(
        "copy addend " + ctx.value(addend).name + " for " + n.name,
        dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine(), ctx.value(addend).md, ctx.engine(), md)),
        std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, addend}, {DNNL_ARG_TO, dst_id}}));
  return dst_id;
}

// A conv layer with its faithful step (layer.hpp) where its fused activation needs one: the conv of `pd`
// with other post-ops, on the same memory descs, so on the same weights and values.
std::unique_ptr<PrimitiveLayer> conv_layer(const model::Node& n, BuildContext& ctx, const ConvShape& s,
                                           const dnnl::convolution_forward::primitive_desc& pd,
                                           const ConvEpilogue& epilogue, std::string what,
                                           std::vector<std::pair<int, int>> value_args,
                                           std::unordered_map<int, dnnl::memory> fixed) {
  auto layer = std::make_unique<PrimitiveLayer>(std::move(what), dnnl::convolution_forward(pd),
                                                std::move(value_args), std::move(fixed));
  const auto make = [&](const dnnl::post_ops& po) -> dnnl::primitive {
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    memory::dims dil = ops::dnnl_dims(s.win.dilations);
    for (auto& d : dil) d -= 1;
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                      pd.src_desc(), pd.weights_desc(), pd.bias_desc(), pd.dst_desc(),
                                      ops::dnnl_dims(s.win.strides), dil, ops::dnnl_dims(s.win.pad_begin),
                                      ops::dnnl_dims(s.win.pad_end));
    return dnnl::convolution_forward(dnnl::convolution_forward::primitive_desc(d, attr, ctx.engine()));
  };
  if (auto f = ops::faithful_fused_activation(n, epilogue.before_activation, make, pd.dst_desc(), s.out))
    layer->set_faithful(std::move(*f));
  return layer;
}

// Maps an ONNX flat weight index (O, I/group, k...) to the index of oneDNN's weights desc (see weight_dims).
class ConvWeightIndex {
 public:
  ConvWeightIndex(const Dims& w_dims, std::int64_t group)
      : group_(group),
        out_per_group_(w_dims[0] / group),
        per_out_(model::element_count(w_dims) / w_dims[0]),
        in_c_(w_dims[1]),
        spatial_rank_(static_cast<int>(w_dims.size()) - 2) {
    for (int s = 0; s < spatial_rank_; ++s)
      kernel_[static_cast<size_t>(s)] = w_dims[static_cast<size_t>(s) + 2];
  }

  void operator()(std::int64_t flat, std::int64_t* idx) const {
    const std::int64_t o = flat / per_out_;
    std::int64_t rem = flat % per_out_;
    if (group_ > 1) {
      *idx++ = o / out_per_group_;
      *idx++ = o % out_per_group_;
    } else {
      *idx++ = o;
    }
    std::int64_t inner = per_out_ / in_c_;
    *idx++ = rem / inner;
    rem %= inner;
    for (int s = 0; s < spatial_rank_; ++s) {
      inner /= kernel_[static_cast<size_t>(s)];
      *idx++ = rem / inner;
      rem %= inner;
    }
  }

 private:
  std::int64_t group_, out_per_group_, per_out_, in_c_;
  int spatial_rank_;
  std::array<std::int64_t, 3> kernel_{};
};

// Weights (and bias) reordered once from the ONNX layout into the kernel's, registered as stored weights that
// trials patch in place; returns them as the layer's fixed arguments.
std::unordered_map<int, dnnl::memory> conv_weights(const model::Node& n, BuildContext& ctx,
                                                   const model::Constant& w, const ConvShape& s,
                                                   const dnnl::convolution_forward::primitive_desc& pd,
                                                   const std::vector<float>& bias) {
  const memory::dims wdims = weight_dims(w, s);
  const memory::desc w_logical(wdims, dt::f32, logical_weight_tag(wdims.size(), s.group > 1));
  dnnl::memory w_mem = ctx.make_weight_memory(pd.weights_desc(), w_logical, w.floats);
  std::unordered_map<int, dnnl::memory> fixed{{DNNL_ARG_WEIGHTS, w_mem}};
  ctx.add_weight(n.inputs[1], "conv.weight", w.dims, w.floats, w_mem, ConvWeightIndex(w.dims, s.group));
  if (has_input(n, 2)) {
    const memory::desc b_md({s.out_c}, dt::f32, tag::a);
    dnnl::memory b_mem = ctx.make_weight_memory(pd.bias_desc(), b_md, bias);
    fixed[DNNL_ARG_BIAS] = b_mem;
    ctx.add_weight(n.inputs[2], "conv.bias", {s.out_c}, bias, b_mem,
                   [](std::int64_t flat, std::int64_t* idx) { idx[0] = flat; });
  }
  return fixed;
}

void build_broadcast_residual(const model::Node& n, BuildContext& ctx);

// The value a padded 1x1 conv computes at its border, per channel: activation(bias), the bias read from the
// stored buffer on every run, so a faulted bias shows there too.
struct BorderValue {
  std::optional<dnnl::memory> bias;
  model::Activation act;
  ops::BorderActivation f;
  // out[c] = scale * activation(bias[c]) for c < channels.
  void write(std::int64_t channels, float scale, float* out) const {
    const float* b = bias ? static_cast<const float*>(bias->get_data_handle()) : nullptr;
    for (std::int64_t c = 0; c < channels; ++c) out[c] = f(b ? b[c] : 0.f, act) * scale;
  }
};

// A padded 1x1 conv whose output only a GlobalAveragePool reads (SqueezeNet's conv10): the mean over the
// padded output is, per channel, the interior's mean times the interior's share of the positions plus the
// border value times the border's share. So the border is never written: `pool` (the plan's absorbed pool,
// built here) runs on the interior with that linear scale and a per-channel addend as post-ops, the addend
// written from the stored bias before each run.
void build_pooled_border(const model::Node& pool, BuildContext& ctx, int interior_id, const ConvShape& s,
                         const BorderValue& border_value) {
  const Value& interior = ctx.value(interior_id);
  double inner = 1, total = 1;
  for (size_t d = 2; d < s.out.size(); ++d) {
    inner *= static_cast<double>(interior.dims[d]);
    total *= static_cast<double>(s.out[d]);
  }
  const auto inner_share = static_cast<float>(inner / total);
  const auto border_share = static_cast<float>((total - inner) / total);

  Dims per_channel(s.out.size(), 1);
  per_channel[1] = s.out_c;
  const memory::desc addend_md = plain_desc(per_channel);
  const int addend_id = ctx.define(pool.outputs.at(0) + "#border", per_channel, addend_md);
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Border of " + pool.name + " (the padded border's share of the mean)", std::vector<int>{}, addend_id,
      [border_value, border_share, out_c = s.out_c](const std::vector<const float*>&, float* out) {
        border_value.write(out_c, border_share, out);
      }));

  const auto [d, out] =
      ops::global_pool_desc(dnnl::algorithm::pooling_avg_exclude_padding, interior.dims, interior.md);
  dnnl::post_ops post;
  post.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, inner_share, 0.f);
  post.append_binary(dnnl::algorithm::binary_add, addend_md);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post);
  dnnl::pooling_forward::primitive_desc pd(d, attr, ctx.engine());
  const int y = ctx.define(pool.outputs.at(0), out, pd.dst_desc());
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "GlobalAveragePool " + pool.name + " of the interior + border [" + pd.impl_info_str() + "]",
      dnnl::pooling_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, interior_id},
                                       {DNNL_ARG_DST, y},
                                       {DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, addend_id}}));
}

// A zero-padded 1x1 convolution the plan runs unpadded (ConvPlan::unpadded: stride 1, no residual) as the
// unpadded convolution into an interior value plus a border fill (border_fill.hpp): the same outputs. The
// border reads the bias from the stored bias buffer on every run, so a faulted bias shows there too. Returns
// false, having built nothing, when the kernel's layout is not one the fill walks. (A weight of Inf or NaN
// makes the border NaN in an im2col kernel, 0 x Inf, and bias here, as in direct kernels: ONNX does not say
// which.)
bool build_unpadded_pointwise(const model::Node& n, BuildContext& ctx, const ConvPlan& plan, int x_id,
                              const model::Constant& w, const ConvShape& s, const std::vector<float>& bias,
                              const ConvEpilogue& epilogue) {
  const Dims& x = ctx.value(x_id).dims;
  ConvShape inner = s;
  std::fill(inner.win.pad_begin.begin(), inner.win.pad_begin.end(), 0);
  std::fill(inner.win.pad_end.begin(), inner.win.pad_end.end(), 0);
  inner.win.out.assign(x.begin() + 2, x.end());
  inner.out = {x[0], s.out_c};
  inner.out.insert(inner.out.end(), inner.win.out.begin(), inner.win.out.end());
  const auto pd = conv_primitive(ctx, x, inner, weight_dims(w, s), has_input(n, 2), epilogue.post_ops,
                                 conv_tags(plan, ctx, x_id));
  const auto out_md = ops::same_layout(pd.dst_desc(), s.out);
  if (!out_md) return false;

  const int src_id = conv_source(n, ctx, x_id, pd.src_desc());
  const std::string& name = n.outputs.at(0);
  const int interior_id = ctx.define(name + "#interior", inner.out, pd.dst_desc());
  auto fixed = conv_weights(n, ctx, w, inner, pd, bias);
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(inner.out)) *
                static_cast<double>(model::element_count(w.dims) / s.out_c));
  ctx.add_layer(conv_layer(n, ctx, inner, pd, epilogue,
                           "Conv " + n.name + epilogue.text + " " + model::dims_to_string(inner.out) +
                               " unpadded [" + pd.impl_info_str() + "]",
                           {{DNNL_ARG_SRC, src_id}, {DNNL_ARG_DST, interior_id}}, fixed));

  const auto bias_mem = fixed.count(DNNL_ARG_BIAS) ? std::optional(fixed.at(DNNL_ARG_BIAS)) : std::nullopt;
  const model::Activation act = model::fused_activation(n).value_or(model::Activation{});
  const BorderValue border_value{bias_mem, act, ops::border_activation(n).value()};
  if (plan.absorbed_pool) {
    build_pooled_border(ctx.graph().nodes.at(*plan.absorbed_pool), ctx, interior_id, s, border_value);
    return true;
  }
  const int out_id = ctx.define(name, s.out, *out_md);
  const ops::BorderFill fill(pd.dst_desc(), inner.out, *out_md, s.out, s.win.pad_begin);
  std::vector<float> border(static_cast<size_t>(fill.padded_channels()), 0.f);
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Pad border of " + n.name + " " + model::dims_to_string(s.out), std::vector<int>{interior_id}, out_id,
      [fill, border_value, border, out_c = s.out_c](const std::vector<const float*>& in, float* out) mutable {
        border_value.write(out_c, 1.f, border.data());
        fill.run(in[0], border.data(), out);
      }));
  return true;
}

void build_conv(const model::Node& n, BuildContext& ctx) {
  const ConvPlan& plan = ctx.layout_plan().conv(n.outputs.at(0));
  const int x_id = ctx.id(n.inputs.at(0));
  const Dims x = ctx.value(x_id).dims;
  const auto& w = ctx.require_constant(n, 1);
  const ConvShape s = conv_shape(n, ctx, x, w);
  const std::vector<float> bias = conv_bias(n, ctx, s.out_c);
  if (has_input(n, 3) && ctx.value(n.inputs[3]).dims != s.out) return build_broadcast_residual(n, ctx);
  const ConvEpilogue epilogue = conv_epilogue(n, ctx);
  if (plan.unpadded && build_unpadded_pointwise(n, ctx, plan, x_id, w, s, bias, epilogue)) return;
  const auto pd = conv_primitive(ctx, x, s, weight_dims(w, s), has_input(n, 2), epilogue.post_ops,
                                 conv_tags(plan, ctx, x_id));
  const int src_id = conv_source(n, ctx, x_id, pd.src_desc());
  const int dst_id = conv_destination(n, ctx, epilogue.addend, src_id, s.out, pd.dst_desc());
  auto fixed = conv_weights(n, ctx, w, s, pd, bias);
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(s.out)) *
                static_cast<double>(model::element_count(w.dims) / s.out_c));
  ctx.add_layer(conv_layer(
      n, ctx, s, pd, epilogue,
      "Conv " + n.name + epilogue.text + " " + model::dims_to_string(s.out) + " [" + pd.impl_info_str() + "]",
      {{DNNL_ARG_SRC, src_id}, {DNNL_ARG_DST, dst_id}}, std::move(fixed)));
  // The plan gave this conv its pool, but the kernel's layout was not one the border fill walks: the pool is
  // built as its own operator builds it.
  if (plan.absorbed_pool) {
    const model::Node& pool = ctx.graph().nodes.at(*plan.absorbed_pool);
    builtin_ops().find(pool.domain, pool.op_type)->build(pool, ctx);
  }
}

// The fusion pass cannot see shapes, so it fuses every residual Add whose other input is computed earlier;
// shapes are known here. Equal shapes (the only residuals fused before fusion became a pass) take the sum
// post-op. Any other Z broadcasts, which a sum post-op cannot do (a binary post-op could broadcast a smaller
// Z, not a larger one), so the convolution, the Add and the activation are built as their own operators build
// them: the same kernels and results as the unfused graph, only the Add and activation layers are named after
// the Conv.
void build_broadcast_residual(const model::Node& n, BuildContext& ctx) {
  const std::string& out = n.outputs.at(0);
  const auto act = model::fused_activation(n);
  const model::Node conv = conv_before_broadcast_residual(n);
  build_conv(conv, ctx);
  model::Node add;
  add.name = n.name;
  add.op_type = "Add";
  add.inputs = {conv.outputs[0], n.inputs[3]};
  add.outputs = {act ? out + "#sum" : out};
  builtin_ops().find("", "Add")->build(add, ctx);
  if (act)
    ops::add_eltwise_layer(ctx, model::op_type_of(act->kind) + " " + n.name, add.outputs[0], out,
                           ops::eltwise_of(*act));
}

}  // namespace

void register_conv(OpRegistry& r) {
  const std::set<std::string> attributes{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"};
  r.add("Conv", build_conv, 1, 17, attributes);
  auto fused = attributes;
  fused.insert({"activation", "activation_params"});
  r.add_internal(model::kFusedConv, build_conv, 1, 17, fused);
}

}  // namespace flipguard::engine
