// Element-wise activations not fused into a producer: oneDNN eltwise, in place when the input is dead after.
// HardSigmoid (no oneDNN algorithm in this version) is plain C++.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_eltwise(const model::Node& n, BuildContext& ctx) {
  const auto e = ops::eltwise_of(n, ctx);
  if (!e) throw std::logic_error("not an eltwise op");
  // Eltwise on a zero-padded blocked layout would write f(0) into the padding (Sigmoid(0) = 0.5), which
  // later kernels assume is 0: only functions with f(0) = 0 run on blocked data.
  const bool zero_preserving = e->alg != dnnl::algorithm::eltwise_logistic &&
                               e->alg != dnnl::algorithm::eltwise_exp &&
                               !(e->alg == dnnl::algorithm::eltwise_clip_v2 && (e->alpha > 0 || e->beta < 0));
  const int x_id = zero_preserving ? ctx.id(n.inputs.at(0)) : ctx.plain(n.inputs.at(0));
  const Value x = ctx.value(x_id);
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, e->alg, x.md, e->alpha, e->beta);
  dnnl::eltwise_forward::primitive_desc pd(d, ctx.engine());
  const int y = ctx.can_overwrite(x_id) ? ctx.define_alias(n.outputs.at(0), x.dims, x.md, x_id)
                                        : ctx.define(n.outputs.at(0), x.dims, x.md);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      n.op_type + " " + n.name, dnnl::eltwise_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y}}));
}

void build_hard_sigmoid(const model::Node& n, BuildContext& ctx) {
  const int x_id = ctx.plain(n.inputs.at(0));
  const Value x = ctx.value(x_id);
  const float alpha = n.get_float("alpha", 0.2f), beta = n.get_float("beta", 0.5f);
  const auto count = model::element_count(x.dims);
  const int y = ctx.define(n.outputs.at(0), x.dims, x.md);
  ctx.add_layer(std::make_unique<FunctionLayer>("HardSigmoid " + n.name, std::vector<int>{x_id}, y,
                                                [=](const std::vector<const float*>& in, float* out) {
                                                  for (std::int64_t i = 0; i < count; ++i)
                                                    out[i] = std::clamp(alpha * in[0][i] + beta, 0.f, 1.f);
                                                }));
}

}  // namespace

void register_activation(OpRegistry& r) {
  for (const char* op :
       {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "Elu", "Exp", "Abs", "Sqrt", "Neg"})
    r.add(op, build_eltwise, 1, 17, {"alpha"});
  r.add("Clip", build_eltwise, 6, 17, {"min", "max"});
  r.add("HardSigmoid", build_hard_sigmoid, 6, 17, {"alpha", "beta"});
}

}  // namespace flipguard::engine
