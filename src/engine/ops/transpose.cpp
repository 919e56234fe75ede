// Transpose: a view of the input under permuted strides (ops/strided_views.hpp), no copy; the builders
// that need row-major data get a copy from BuildContext, where they read it. A constant or blocked input is
// copied here: a oneDNN reorder between a strided view of the row-major input and a row-major output.
#include <numeric>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "engine/ops/strided_views.hpp"

namespace flipguard::engine {
namespace {

void build_transpose(const model::Node& n, BuildContext& ctx) {
  int x = ctx.strided(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const size_t rank = in.size();
  Dims perm = n.get_ints("perm");
  if (perm.empty()) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  if (perm.size() != rank) throw std::runtime_error(ctx.error(n, "perm has the wrong length"));
  std::vector<bool> seen(rank, false);
  for (auto p : perm) {
    if (p < 0 || p >= static_cast<std::int64_t>(rank) || seen[p])
      throw std::runtime_error(ctx.error(n, "perm is not a permutation"));
    seen[p] = true;
  }
  const Dims out = ops::permuted(in, perm);
  if (ctx.value(x).buffer >= 0 && is_strided_layout(ctx.value(x).md)) {
    ctx.define_strided_view(n.outputs.at(0), out, ops::permuted(strides_of(ctx.value(x).md), perm), x, 0);
    return;
  }
  x = ctx.plain(n.inputs[0]);
  // Input strides, permuted: the input seen in output index order.
  const Dims view_strides = ops::permuted(ops::row_major_strides(in), perm);
  const dnnl::memory::desc view(ops::dnnl_dims(out), dnnl::memory::data_type::f32,
                                ops::dnnl_dims(view_strides));
  const int xv = ctx.define_alias(n.inputs[0] + "#transposed_view_" + n.name, out, view, x);
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "Transpose " + n.name,
      dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine(), view, ctx.engine(), plain_desc(out))),
      std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, xv}, {DNNL_ARG_TO, y}}));
}

}  // namespace

void register_transpose(OpRegistry& r) {
  r.add("Transpose", build_transpose, 1, 17, {"perm"});
}

}  // namespace flipguard::engine
