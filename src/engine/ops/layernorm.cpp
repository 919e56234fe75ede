// LayerNormalization (ONNX opset 17, and the node model/fuse_layernorm.hpp writes at any opset) on oneDNN's
// layer normalization: the input viewed as [outer, inner] with inner = the dims from `axis` on, statistics
// per row, then scale and shift per inner element. Scale and shift are stored weights ("layernorm.scale",
// "layernorm.bias") when the selection asks for them.
#include <cmath>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/fuse_layernorm.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;

bool has_input(const model::Node& n, size_t i) {
  return n.inputs.size() > i && !n.inputs[i].empty();
}

// Scale or shift as `inner` values: the constant itself, or broadcast when it has fewer elements.
std::vector<float> per_element(const model::Node& n, BuildContext& ctx, size_t input, std::int64_t inner,
                               float fallback) {
  if (!has_input(n, input)) return std::vector<float>(static_cast<size_t>(inner), fallback);
  const auto& c = ctx.require_constant(n, input);
  if (!c.is_float()) throw std::runtime_error(ctx.error(n, "scale and bias must be floating point"));
  const auto count = static_cast<std::int64_t>(c.floats.size());
  if (count == inner) return c.floats;
  if (count < 1 || inner % count != 0)
    throw std::runtime_error(
        ctx.error(n, "input '" + n.inputs[input] + "' of shape " + model::dims_to_string(c.dims) +
                         " does not broadcast over the " + std::to_string(inner) + " normalized elements"));
  std::vector<float> v(static_cast<size_t>(inner));
  for (std::int64_t i = 0; i < inner; ++i)
    v[static_cast<size_t>(i)] = c.floats[static_cast<size_t>(i % count)];
  return v;
}

void build_layernorm(const model::Node& n, BuildContext& ctx) {
  auto used = [&](size_t i) {
    return n.outputs.size() > i && !n.outputs[i].empty() && ctx.graph().use_count(n.outputs[i]) > 0;
  };
  // The Mean and InvStdDev outputs (rarely read) come from the statistics oneDNN writes in training mode.
  const bool stats_out = used(1) || used(2);
  if (n.get_int("stash_type", 1) != 1)
    throw std::runtime_error(ctx.error(n, "stash_type other than float is not supported"));
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  if (in.empty()) throw std::runtime_error(ctx.error(n, "a scalar input cannot be normalized"));
  const auto axis =
      static_cast<size_t>(model::normalize_axis(n.get_int("axis", -1), static_cast<std::int64_t>(in.size())));
  std::int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < in.size(); ++d) (d < axis ? outer : inner) *= in[d];
  const float eps = n.get_float("epsilon", 1e-5f);
  const std::vector<float> scale = per_element(n, ctx, 1, inner, 1.f);
  const std::vector<float> shift = per_element(n, ctx, 2, inner, 0.f);

  const Dims shape{outer, inner};
  const auto md = plain_desc(shape);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(
          stats_out ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference, md, eps, flags),
      ctx.engine());
  const int xv = ctx.define_alias(n.inputs[0] + "#ln_view_" + n.name, shape, md, x);
  const int y2 = ctx.can_overwrite(x) ? ctx.define_alias(n.outputs[0] + "#2d", shape, md, x)
                                      : ctx.define(n.outputs[0] + "#2d", shape, md);
  ctx.define_alias(n.outputs[0], in, plain_desc(in), y2);

  const memory::desc vec_md({inner}, memory::data_type::f32, memory::format_tag::a);
  dnnl::memory scale_mem = ctx.make_weight_memory(vec_md, vec_md, scale);
  dnnl::memory shift_mem = ctx.make_weight_memory(vec_md, vec_md, shift);
  const auto identity = [](std::int64_t flat, std::int64_t* idx) { idx[0] = flat; };
  // Only a scale/bias holding every element is a stored weight (a broadcast one maps many elements to one).
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (!has_input(n, i) || static_cast<std::int64_t>(ctx.constant(n.inputs[i])->floats.size()) != inner)
      continue;
    ctx.add_weight(n.inputs[i], i == 1 ? "layernorm.scale" : "layernorm.bias",
                   ctx.constant(n.inputs[i])->dims, i == 1 ? scale : shift, i == 1 ? scale_mem : shift_mem,
                   identity);
  }
  std::unordered_map<int, dnnl::memory> fixed{{DNNL_ARG_SCALE, scale_mem}, {DNNL_ARG_SHIFT, shift_mem}};
  std::vector<std::pair<int, int>> args{{DNNL_ARG_SRC, xv}, {DNNL_ARG_DST, y2}};
  Dims stat_dims(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(axis));
  stat_dims.resize(in.size(), 1);
  int var_id = -1;
  if (stats_out) {
    const int mean_id = ctx.define(n.outputs[1] + "#ln_mean_" + n.name, {outer}, pd.mean_desc());
    var_id = ctx.define(n.outputs[0] + "#ln_var", {outer}, pd.variance_desc());
    if (used(1)) ctx.define_alias(n.outputs[1], stat_dims, plain_desc(stat_dims), mean_id);
    args.push_back({DNNL_ARG_MEAN, mean_id});
    args.push_back({DNNL_ARG_VARIANCE, var_id});
  } else if (pd.mean_desc().get_size() > 0) {
    // Inference may still want places for the statistics it computes: scratch buffers of the layer's own.
    fixed[DNNL_ARG_MEAN] = dnnl::memory(pd.mean_desc(), ctx.engine());
    fixed[DNNL_ARG_VARIANCE] = dnnl::memory(pd.variance_desc(), ctx.engine());
  }
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "LayerNorm " + n.name + " " + model::dims_to_string(shape) + " [" + pd.impl_info_str() + "]",
      dnnl::layer_normalization_forward(pd), std::move(args), std::move(fixed)));
  if (used(2)) {
    const int inv = ctx.define(n.outputs[2], stat_dims, plain_desc(stat_dims));
    ctx.add_layer(std::make_unique<FunctionLayer>("LayerNorm " + n.name + " InvStdDev",
                                                  std::vector<int>{var_id}, inv,
                                                  [outer, eps](const std::vector<const float*>& v, float* o) {
                                                    for (std::int64_t i = 0; i < outer; ++i)
                                                      o[i] = 1.f / std::sqrt(v[0][i] + eps);
                                                  }));
  }
}

}  // namespace

void register_layernorm(OpRegistry& r) {
  r.add("LayerNormalization", build_layernorm, 17, 17, {"axis", "epsilon", "stash_type"});
  r.add_internal(model::kLayerNorm, build_layernorm, 1, 17, {"axis", "epsilon"});
}

}  // namespace flipguard::engine
