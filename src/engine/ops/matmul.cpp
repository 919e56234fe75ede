// MatMul (numpy semantics, rank >= 2) on oneDNN. A constant B is a stored weight in row-major layout.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;

Dims left_pad(const Dims& d, size_t rank) {
  Dims r(rank - d.size(), 1);
  r.insert(r.end(), d.begin(), d.end());
  return r;
}

void build_matmul(const model::Node& n, BuildContext& ctx) {
  const int a_id = ctx.plain(n.inputs.at(0));
  const bool b_const = ctx.graph().is_constant(n.inputs.at(1));
  const int b_id = b_const ? -1 : ctx.plain(n.inputs[1]);
  const Dims a_dims = ctx.value(a_id).dims;
  const Dims b_dims = b_const ? ctx.constant(n.inputs[1])->dims : ctx.value(b_id).dims;
  if (a_dims.size() < 2 || b_dims.size() < 2)
    throw std::runtime_error(ctx.error(n, "1-D operands are not supported (A " +
                                              model::dims_to_string(a_dims) + ", B " +
                                              model::dims_to_string(b_dims) + ")"));
  const size_t rank = std::max(a_dims.size(), b_dims.size());
  const Dims a = left_pad(a_dims, rank), b = left_pad(b_dims, rank);
  if (a[rank - 1] != b[rank - 2])
    throw std::runtime_error(ctx.error(n, "A " + model::dims_to_string(a_dims) + " and B " +
                                              model::dims_to_string(b_dims) + " do not multiply"));
  Dims out(rank);
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      throw std::runtime_error(ctx.error(n, "batch dimensions do not broadcast"));
    out[i] = std::max(a[i], b[i]);
  }
  out[rank - 2] = a[rank - 2];
  out[rank - 1] = b[rank - 1];
  const auto a_md = plain_desc(a), b_md = plain_desc(b), y_md = plain_desc(out);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, y_md), ctx.engine());
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(out)) * static_cast<double>(a[rank - 1]));
  const int y = ctx.define(n.outputs.at(0), out, y_md);
  // The operands were defined with their own ranks; oneDNN wants equal ranks, so bind rank-padded views.
  const int a_view = ctx.define_alias(n.inputs[0] + "#mm_a", a, a_md, a_id);
  std::unordered_map<int, dnnl::memory> fixed;
  std::vector<std::pair<int, int>> args{{DNNL_ARG_SRC, a_view}, {DNNL_ARG_DST, y}};
  if (b_const) {
    const auto& bc = *ctx.constant(n.inputs[1]);
    dnnl::memory w_mem = ctx.make_weight_memory(b_md, b_md, bc.floats);
    fixed[DNNL_ARG_WEIGHTS] = w_mem;
    const Dims bd = b;
    ctx.add_weight(n.inputs[1], "matmul.weight", bc.dims, bc.floats, w_mem,
                   [bd](std::int64_t flat, std::int64_t* idx) {
                     for (size_t i = bd.size(); i-- > 0;) {
                       idx[i] = flat % bd[i];
                       flat /= bd[i];
                     }
                   });
  } else {
    args.push_back({DNNL_ARG_WEIGHTS, ctx.define_alias(n.inputs[1] + "#mm_b", b, b_md, b_id)});
  }
  ctx.add_layer(std::make_unique<PrimitiveLayer>("MatMul " + n.name + " [" + pd.impl_info_str() + "]",
                                                 dnnl::matmul(pd), std::move(args), std::move(fixed)));
}

}  // namespace

void register_matmul(OpRegistry& r) {
  r.add("MatMul", build_matmul, 1, 17);
}

}  // namespace flipguard::engine
