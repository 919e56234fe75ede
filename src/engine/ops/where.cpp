// Where(condition, X, Y) with numpy broadcasting, in plain C++, for a condition known at load time (masks
// that survive constant folding because X or Y is computed, e.g. an attention mask applied to scores).
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

void build_where(const model::Node& n, BuildContext& ctx) {
  if (n.inputs.size() != 3) throw std::runtime_error(ctx.error(n, "expects three inputs"));
  const auto* cond = ctx.constant(n.inputs[0]);
  if (!cond)
    throw std::runtime_error(ctx.error(
        n, "the condition '" + n.inputs[0] + "' is computed at run time; the engine needs it constant"));
  if (cond->is_float() && !cond->floats.empty())
    throw std::runtime_error(ctx.error(n, "the condition must be boolean"));
  const int x = ctx.plain(n.inputs[1]), y = ctx.plain(n.inputs[2]);
  const Dims cd = cond->dims, xd = ctx.value(x).dims, yd = ctx.value(y).dims;
  const Dims out = model::broadcast_dims(model::broadcast_dims(cd, xd), yd);
  std::vector<std::uint8_t> c(cond->ints.size());
  for (size_t i = 0; i < c.size(); ++i) c[i] = cond->ints[i] != 0;
  const int o = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Where " + n.name + " " + model::dims_to_string(out), std::vector<int>{x, y}, o,
      [=](const std::vector<const float*>& in, float* dst) {
        ops::for_each_broadcast<3>(
            out, {cd, xd, yd}, [&](std::int64_t lin, const std::array<std::int64_t, 3>& off) {
              dst[lin] = c[static_cast<size_t>(off[0])] ? in[0][off[1]] : in[1][off[2]];
            });
      }));
}

}  // namespace

void register_where(OpRegistry& r) {
  r.add("Where", build_where, 9, 17);
}

}  // namespace flipguard::engine
