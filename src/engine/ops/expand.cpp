// Expand (numpy broadcast to a constant shape) of a computed value, in plain C++; an Expand of a constant
// folds at load time instead (model/constant_folding.hpp).
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

void build_expand(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims xd = ctx.value(x).dims;
  const Dims out = model::expand_dims(xd, ctx.require_constant(n, 1).ints);
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Expand " + n.name + " " + model::dims_to_string(out), std::vector<int>{x}, y,
      [=](const std::vector<const float*>& in, float* dst) {
        ops::for_each_broadcast<1>(out, {xd}, [&](std::int64_t lin, const std::array<std::int64_t, 1>& off) {
          dst[lin] = in[0][off[0]];
        });
      }));
}

}  // namespace

void register_expand(OpRegistry& r) {
  r.add("Expand", build_expand, 8, 17);
}

}  // namespace flipguard::engine
