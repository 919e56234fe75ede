// Reshape, Flatten, Squeeze, Unsqueeze (and Identity / inference Dropout left as graph outputs): views of the
// input's buffer, no copy and no layer: a row-major one, or a strided one (a Transpose's, a Split part's)
// where its strides can take the new dims; otherwise a view of a row-major copy.
#include <string>
#include <vector>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "engine/ops/strided_views.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

// The output shares the input's buffer under its new dims.
void define_view(const model::Node& n, BuildContext& ctx, int x, const Dims& out) {
  const Value& v = ctx.value(x);
  if (v.strided) {
    if (const auto strides = ops::reshaped_strides(v.dims, strides_of(v.md), out)) {
      ctx.define_strided_view(n.outputs.at(0), out, *strides, x, 0);
      return;
    }
    x = ctx.plain(n.inputs.at(0));
  }
  ctx.define_alias(n.outputs.at(0), out, plain_desc(out), x);
}

// The input: a strided view as it is, anything else row-major.
int input(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.strided(n.inputs.at(0));
  return ctx.value(x).strided ? x : ctx.plain(n.inputs[0]);
}

std::vector<std::int64_t> int_input_or_attr(const model::Node& n, const BuildContext& ctx, size_t input,
                                            const std::string& attr) {
  if (n.inputs.size() > input && !n.inputs[input].empty()) return ctx.require_constant(n, input).ints;
  return n.get_ints(attr);
}

// The output shapes come from model/shape_rules.hpp, as shape inference's do; their std::invalid_argument
// reaches build_network, which names the node.
void build_reshape(const model::Node& n, BuildContext& ctx) {
  const int x = input(n, ctx);
  const Dims shape = int_input_or_attr(n, ctx, 1, "shape");
  define_view(
      n, ctx, x,
      model::reshape_dims(ctx.value(x).dims, shape, n.get_int("allowzero", 0) != 0, ctx.batch_widened()));
}

void build_flatten(const model::Node& n, BuildContext& ctx) {
  const int x = input(n, ctx);
  define_view(n, ctx, x, model::flatten_dims(ctx.value(x).dims, n.get_int("axis", 1)));
}

void build_squeeze(const model::Node& n, BuildContext& ctx) {
  const int x = input(n, ctx);
  define_view(n, ctx, x, model::squeeze_dims(ctx.value(x).dims, int_input_or_attr(n, ctx, 1, "axes")));
}

void build_unsqueeze(const model::Node& n, BuildContext& ctx) {
  const int x = input(n, ctx);
  // Since opset 13 the axes are a required input.
  const Dims axes = ctx.graph().opset >= 13 ? ctx.require_constant(n, 1).ints : n.get_ints("axes");
  define_view(n, ctx, x, model::unsqueeze_dims(ctx.value(x).dims, axes));
}

void build_identity(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  define_view(n, ctx, x, ctx.value(x).dims);
}

}  // namespace

void register_reshape(OpRegistry& r) {
  r.add("Reshape", build_reshape, 5, 17, {"allowzero"});
  r.add("Flatten", build_flatten, 1, 17, {"axis"});
  r.add("Squeeze", build_squeeze, 1, 17, {"axes"});
  r.add("Unsqueeze", build_unsqueeze, 1, 17, {"axes"});
  r.add("Identity", build_identity, 1, 17);
  r.add("Dropout", build_identity, 1, 17, {"ratio", "seed", "is_test"});
}

}  // namespace flipguard::engine
