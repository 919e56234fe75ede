// Pow with numpy broadcasting, in plain C++ as PyTorch computes it (std::pow in float; a constant exponent
// of 2 or 0.5 is x*x or sqrt, which std::pow would round the same way). Layer normalization's Pow(d, 2) is
// fused away before this (model/fuse_layernorm.hpp).
#include <cmath>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

void build_pow(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims xd = ctx.value(x).dims;
  const auto* exponent = ctx.constant(n.inputs.at(1));
  if (exponent && exponent->is_float() && exponent->floats.size() == 1) {
    const float p = exponent->floats[0];
    const auto count = model::element_count(xd);
    const int y = ctx.can_overwrite(x) ? ctx.define_alias(n.outputs.at(0), xd, plain_desc(xd), x)
                                       : ctx.define(n.outputs.at(0), xd, plain_desc(xd));
    ctx.add_layer(std::make_unique<FunctionLayer>(
        "Pow " + n.name, std::vector<int>{x}, y, [count, p](const std::vector<const float*>& in, float* out) {
          const float* a = in[0];
          if (p == 2.f) {
            for (std::int64_t i = 0; i < count; ++i) out[i] = a[i] * a[i];
          } else if (p == 0.5f) {
            for (std::int64_t i = 0; i < count; ++i) out[i] = std::sqrt(a[i]);
          } else {
            for (std::int64_t i = 0; i < count; ++i) out[i] = std::pow(a[i], p);
          }
        }));
    return;
  }
  const int e = ctx.plain(n.inputs[1]);
  const Dims ed = ctx.value(e).dims;
  const Dims out = model::broadcast_dims(xd, ed);
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Pow " + n.name + " (broadcast)", std::vector<int>{x, e}, y,
      [=](const std::vector<const float*>& in, float* o) {
        ops::for_each_broadcast<2>(out, {xd, ed},
                                   [&](std::int64_t lin, const std::array<std::int64_t, 2>& off) {
                                     o[lin] = std::pow(in[0][off[0]], in[1][off[1]]);
                                   });
      }));
}

}  // namespace

void register_pow(OpRegistry& r) {
  r.add("Pow", build_pow, 7, 17);
}

}  // namespace flipguard::engine
