// Erf, element-wise in plain C++ (std::erf): oneDNN has no erf of its own. The common use, GELU, is fused
// into one oneDNN kernel before this (model/fuse_gelu.hpp); what is left is an Erf standing alone.
#include <cmath>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_erf(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims dims = ctx.value(x).dims;
  const auto count = model::element_count(dims);
  const int y = ctx.can_overwrite(x) ? ctx.define_alias(n.outputs.at(0), dims, plain_desc(dims), x)
                                     : ctx.define(n.outputs.at(0), dims, plain_desc(dims));
  ctx.add_layer(std::make_unique<FunctionLayer>("Erf " + n.name, std::vector<int>{x}, y,
                                                [count](const std::vector<const float*>& in, float* out) {
                                                  for (std::int64_t i = 0; i < count; ++i)
                                                    out[i] = std::erf(in[0][i]);
                                                }));
}

}  // namespace

void register_erf(OpRegistry& r) {
  r.add("Erf", build_erf, 9, 17);
}

}  // namespace flipguard::engine
