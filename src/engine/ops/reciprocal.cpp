// Reciprocal, 1 / x element-wise in plain C++ (a division, rounded as PyTorch rounds it).
#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_reciprocal(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims dims = ctx.value(x).dims;
  const auto count = model::element_count(dims);
  const int y = ctx.can_overwrite(x) ? ctx.define_alias(n.outputs.at(0), dims, plain_desc(dims), x)
                                     : ctx.define(n.outputs.at(0), dims, plain_desc(dims));
  ctx.add_layer(std::make_unique<FunctionLayer>("Reciprocal " + n.name, std::vector<int>{x}, y,
                                                [count](const std::vector<const float*>& in, float* out) {
                                                  for (std::int64_t i = 0; i < count; ++i)
                                                    out[i] = 1.f / in[0][i];
                                                }));
}

}  // namespace

void register_reciprocal(OpRegistry& r) {
  r.add("Reciprocal", build_reciprocal, 6, 17);
}

}  // namespace flipguard::engine
