// ReduceMean (axes as an attribute, opset < 18) on oneDNN's reduction.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_reduce_mean(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const auto rank = static_cast<std::int64_t>(in.size());
  Dims axes = n.get_ints("axes");
  const bool keep = n.get_int("keepdims", 1) != 0;
  Dims kept = in;
  if (axes.empty())
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  for (auto a : axes) {
    const auto ax = a < 0 ? a + rank : a;
    if (ax < 0 || ax >= rank) throw std::runtime_error(ctx.error(n, "axis out of range"));
    kept[ax] = 1;
  }
  Dims out;
  for (std::int64_t i = 0; i < rank; ++i) {
    const bool reduced = kept[i] == 1 && std::find_if(axes.begin(), axes.end(), [&](auto a) {
                                           return (a < 0 ? a + rank : a) == i;
                                         }) != axes.end();
    if (keep || !reduced) out.push_back(kept[i]);
  }
  if (kept == in) {  // every reduced dim has size 1: the mean is the input itself (oneDNN refuses it)
    ctx.define_alias(n.outputs.at(0), out, plain_desc(out), x);
    return;
  }
  dnnl::reduction::primitive_desc pd(
      dnnl::reduction::desc(dnnl::algorithm::reduction_mean, plain_desc(in), plain_desc(kept), 0.f, 0.f),
      ctx.engine());
  const int y_kept = ctx.define(n.outputs.at(0) + "#keepdims", kept, plain_desc(kept));
  ctx.define_alias(n.outputs.at(0), out, plain_desc(out), y_kept);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "ReduceMean " + n.name, dnnl::reduction(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y_kept}}));
}

}  // namespace

void register_reduce_mean(OpRegistry& r) {
  r.add("ReduceMean", build_reduce_mean, 1, 17, {"axes", "keepdims"});
}

}  // namespace flipguard::engine
