// GlobalAveragePool / GlobalMaxPool: a pooling window covering the whole spatial extent.
#include "engine/op_registry.hpp"
#include "engine/ops/nan_fixup.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_global_pool(const model::Node& n, BuildContext& ctx) {
  const int x_id = ctx.id(n.inputs.at(0));
  const Value x = ctx.value(x_id);
  const auto alg = n.op_type == "GlobalMaxPool" ? dnnl::algorithm::pooling_max
                                                : dnnl::algorithm::pooling_avg_exclude_padding;
  const auto [d, out] = ops::global_pool_desc(alg, x.dims, x.md);  // refuses ranks outside 3-5
  dnnl::pooling_forward::primitive_desc pd(d, ctx.engine());
  const int y = ctx.define(n.outputs.at(0), out, pd.dst_desc());
  auto layer = std::make_unique<PrimitiveLayer>(
      n.op_type + " " + n.name, dnnl::pooling_forward(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y}});
  if (alg == dnnl::algorithm::pooling_max) {
    const Dims kernel(x.dims.begin() + 2, x.dims.end());
    layer->set_faithful(
        ops::max_pool_with_nan(ctx.engine(), dnnl::pooling_forward(pd), x.md, x.dims, pd.dst_desc(), out,
                               kernel, Dims(kernel.size(), 1), Dims(kernel.size(), 0)),
        ops::max_pool_nan_scratch_bytes(x.md, x.dims, pd.dst_desc(), out));
  }
  ctx.add_layer(std::move(layer));
}

}  // namespace

void register_global_pool(OpRegistry& r) {
  r.add("GlobalAveragePool", build_global_pool, 1, 17);
  r.add("GlobalMaxPool", build_global_pool, 1, 17);
}

}  // namespace flipguard::engine
