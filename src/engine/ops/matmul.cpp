// MatMul (numpy semantics) on oneDNN's matmul, and FusedMatMul (model/fuse_activations.hpp).
// - A constant 2-D B is a layer's weight (a Linear as exporters write it): A [..., K] runs as one [M, K] x
//   [K, N] product with B in the layout oneDNN prefers, the fused bias and activation applied by the
//   kernel. B is a stored weight ("matmul.weight"), the bias too ("matmul.bias").
// - Otherwise (attention: both operands computed) a batched product, batch dims broadcast; 1-D operands
//   get a dim of 1 that the result drops, as numpy does.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

bool has_input(const model::Node& n, size_t i) {
  return n.inputs.size() > i && !n.inputs[i].empty();
}

void build_linear(const model::Node& n, BuildContext& ctx, const model::Constant& b) {
  const int a_id = ctx.plain(n.inputs.at(0));
  const Dims a_dims = ctx.value(a_id).dims;
  const std::int64_t k = b.dims[0], cols = b.dims[1];
  if (a_dims.empty() || a_dims.back() != k)
    throw std::runtime_error(ctx.error(n, "A " + model::dims_to_string(a_dims) + " and B " +
                                              model::dims_to_string(b.dims) + " do not multiply"));
  if (!b.is_float()) throw std::runtime_error(ctx.error(n, "weights must be floating point"));
  const std::int64_t m = model::element_count(a_dims) / k;
  Dims out = a_dims;
  out.back() = cols;
  if (a_dims.size() == 1) out.erase(out.begin());  // [K] x [K, N] -> [N]
  dnnl::post_ops po;
  const std::string fused = ops::append_fused_activation(n, po);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  const bool has_bias = has_input(n, 2);
  const memory::desc a_md = plain_desc({m, k}), y_md = plain_desc({m, cols});
  const memory::desc w_any({k, cols}, dt::f32, tag::any);
  const memory::desc bias_md = has_bias ? memory::desc({1, cols}, dt::f32, tag::ab) : memory::desc();
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, w_any, bias_md, y_md), attr, ctx.engine());
  dnnl::memory w_mem =
      ctx.make_weight_memory(pd.weights_desc(), memory::desc({k, cols}, dt::f32, tag::ab), b.floats);
  std::unordered_map<int, dnnl::memory> fixed{{DNNL_ARG_WEIGHTS, w_mem}};
  ctx.add_weight(n.inputs[1], "matmul.weight", b.dims, b.floats, w_mem,
                 [cols](std::int64_t flat, std::int64_t* idx) {
                   idx[0] = flat / cols;
                   idx[1] = flat % cols;
                 });
  if (has_bias) {
    const auto& c = ctx.require_constant(n, 2);
    if (static_cast<std::int64_t>(c.floats.size()) != cols)
      throw std::runtime_error(ctx.error(
          n, "bias of shape " + model::dims_to_string(c.dims) + " for " + std::to_string(cols) + " columns"));
    dnnl::memory b_mem = ctx.make_weight_memory(pd.bias_desc(), bias_md, c.floats);
    fixed[DNNL_ARG_BIAS] = b_mem;
    ctx.add_weight(n.inputs[2], "matmul.bias", c.dims, c.floats, b_mem,
                   [](std::int64_t flat, std::int64_t* idx) {
                     idx[0] = 0;
                     idx[1] = flat;
                   });
  }
  ctx.add_flops(2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(cols));
  const int a_view = ctx.define_alias(n.inputs[0] + "#mm2d_" + n.name, {m, k}, a_md, a_id);
  const int y2 = ctx.define(n.outputs.at(0) + "#2d", {m, cols}, y_md);
  ctx.define_alias(n.outputs[0], out, plain_desc(out), y2);
  auto layer = std::make_unique<PrimitiveLayer>(
      "MatMul " + n.name + (has_bias ? " + bias" : "") + fused + " [" + std::to_string(m) + "x" +
          std::to_string(k) + "x" + std::to_string(cols) + ", " + pd.impl_info_str() + "]",
      dnnl::matmul(pd), std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, a_view}, {DNNL_ARG_DST, y2}},
      std::move(fixed));
  const auto make = [&](const dnnl::post_ops& faithful) -> dnnl::primitive {
    dnnl::primitive_attr fa;
    fa.set_post_ops(faithful);
    return dnnl::matmul(dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(pd.src_desc(), pd.weights_desc(), pd.bias_desc(), pd.dst_desc()), fa,
        ctx.engine()));
  };
  if (auto f = ops::faithful_fused_activation(n, {}, make, pd.dst_desc(), {m, cols}))
    layer->set_faithful(std::move(*f));
  ctx.add_layer(std::move(layer));
}

void build_matmul(const model::Node& n, BuildContext& ctx) {
  if (const auto* b = ctx.constant(n.inputs.at(1)); b && b->dims.size() == 2) return build_linear(n, ctx, *b);
  if (n.domain == model::kInternalDomain)
    throw std::logic_error(n.describe() + ": a fused MatMul needs a constant 2-D B");
  const int a_id = ctx.plain(n.inputs.at(0));
  const int b_id = ctx.plain(n.inputs[1]);
  const Dims a_dims = ctx.value(a_id).dims, b_dims = ctx.value(b_id).dims;
  if (a_dims.empty() || b_dims.empty())
    throw std::runtime_error(ctx.error(n, "scalar operands do not multiply"));
  // numpy: a 1-D A is a row [1, K], a 1-D B a column [K, 1]; the result drops that dim again.
  Dims a2 = a_dims, b2 = b_dims;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const size_t rank = std::max(a2.size(), b2.size());
  const Dims a = model::left_pad(a2, rank), b = model::left_pad(b2, rank);
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
  Dims result(out.begin(), out.end() - 2);
  if (a_dims.size() > 1) result.push_back(out[rank - 2]);
  if (b_dims.size() > 1) result.push_back(out[rank - 1]);
  const auto a_md = plain_desc(a), b_md = plain_desc(b), y_md = plain_desc(out);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, y_md), ctx.engine());
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(out)) * static_cast<double>(a[rank - 1]));
  const int y = ctx.define(n.outputs.at(0) + "#mm", out, y_md);
  ctx.define_alias(n.outputs[0], result, plain_desc(result), y);
  // The operands were defined with their own ranks; oneDNN wants equal ranks, so bind rank-padded views.
  const int a_view = ctx.define_alias(n.inputs[0] + "#mm_a_" + n.name, a, a_md, a_id);
  const int b_view = ctx.define_alias(n.inputs[1] + "#mm_b_" + n.name, b, b_md, b_id);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "MatMul " + n.name + " " + model::dims_to_string(out) + " [" + pd.impl_info_str() + "]",
      dnnl::matmul(pd),
      std::vector<std::pair<int, int>>{
          {DNNL_ARG_SRC, a_view}, {DNNL_ARG_WEIGHTS, b_view}, {DNNL_ARG_DST, y}}));
}

}  // namespace

void register_matmul(OpRegistry& r) {
  r.add("MatMul", build_matmul, 1, 17);
  r.add_internal(model::kFusedMatMul, build_matmul, 1, 17, {"activation", "activation_params"});
}

}  // namespace flipguard::engine
