// Element-wise activations not fused into a producer: oneDNN eltwise, in place when the input is dead after
// (the GELUs and SiLU, written by model/fuse_gelu.hpp and model/fuse_silu.hpp, too). HardSigmoid (no
// oneDNN algorithm in this version) is plain C++.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/fuse_gelu.hpp"
#include "model/fuse_silu.hpp"

namespace flipguard::engine {
namespace {

void build_eltwise(const model::Node& n, BuildContext& ctx) {
  const auto a = model::activation_of(n, ctx.graph());
  if (!a) throw std::logic_error("not an eltwise op");
  ops::add_eltwise_layer(ctx, n.op_type + " " + n.name, n.inputs.at(0), n.outputs.at(0), ops::eltwise_of(*a));
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
  r.add_internal(model::kGelu, build_eltwise, 1, 17);
  r.add_internal(model::kGeluTanh, build_eltwise, 1, 17);
  r.add_internal(model::kSilu, build_eltwise, 1, 17);
}

}  // namespace flipguard::engine
