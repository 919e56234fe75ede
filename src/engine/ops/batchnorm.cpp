// BatchNormalization left unfolded (when folding is off, or its input is not a Conv): oneDNN inference-mode
// batch normalization with the running statistics; scale and shift are stored weights if selected.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;

void build_batchnorm(const model::Node& n, BuildContext& ctx) {
  if (n.inputs.size() != 5)
    throw std::runtime_error(ctx.error(n, "expects 5 inputs (X, scale, B, mean, var)"));
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (!n.outputs[i].empty() && ctx.graph().use_count(n.outputs[i]) > 0)
      throw std::runtime_error(ctx.error(n, "training-mode outputs (running mean/var) are not supported"));
  if (n.get_int("training_mode", 0) != 0)
    throw std::runtime_error(ctx.error(n, "training_mode=1 is not supported (inference only)"));
  if (n.get_int("spatial", 1) != 1)
    throw std::runtime_error(ctx.error(n, "spatial=0 (per-activation statistics) is not supported"));
  const int x_id = ctx.id(n.inputs[0]);
  const Value x = ctx.value(x_id);
  const std::int64_t c = x.dims.at(1);
  const float eps = n.get_float("epsilon", 1e-5f);
  // A Relu fused by model::fuse_activations (only Relu: the one activation oneDNN fuses here).
  const bool relu = model::fused_activation(n).has_value();
  auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
               dnnl::normalization_flags::use_shift;
  if (relu) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
  dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, x.md, eps, flags);
  dnnl::batch_normalization_forward::primitive_desc pd(d, ctx.engine());
  const memory::desc vec({c}, memory::data_type::f32, memory::format_tag::a);
  std::unordered_map<int, dnnl::memory> fixed;
  const int args[4] = {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
  const char* roles[4] = {"bn.scale", "bn.shift", "bn.mean", "bn.var"};
  for (int i = 0; i < 4; ++i) {
    const auto& t = ctx.require_constant(n, static_cast<size_t>(i + 1));
    if (static_cast<std::int64_t>(t.floats.size()) != c)
      throw std::runtime_error(ctx.error(n, std::string(roles[i]) + " has " +
                                                std::to_string(t.floats.size()) + " values for " +
                                                std::to_string(c) + " channels"));
    dnnl::memory m = ctx.make_weight_memory(vec, vec, t.floats);
    fixed[args[i]] = m;
    if (i < 2)
      ctx.add_weight(n.inputs[static_cast<size_t>(i + 1)], roles[i], {c}, t.floats, m,
                     [](std::int64_t f, std::int64_t* idx) { idx[0] = f; });
  }
  const int y = ctx.can_overwrite(x_id) ? ctx.define_alias(n.outputs[0], x.dims, pd.dst_desc(), x_id)
                                        : ctx.define(n.outputs[0], x.dims, pd.dst_desc());
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "BatchNormalization " + n.name + (relu ? " + Relu" : ""), dnnl::batch_normalization_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y}}, std::move(fixed)));
}

}  // namespace

void register_batchnorm(OpRegistry& r) {
  r.add("BatchNormalization", build_batchnorm, 7, 17, {"epsilon", "momentum", "spatial", "training_mode"});
  r.add_internal(model::kFusedBatchNorm, build_batchnorm, 7, 17,
                 {"epsilon", "momentum", "spatial", "training_mode", "activation", "activation_params"});
}

}  // namespace flipguard::engine
