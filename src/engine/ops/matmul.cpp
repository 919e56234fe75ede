// MatMul (numpy semantics) on oneDNN's matmul, and FusedMatMul (model/fuse_activations.hpp).
// - A constant 2-D B is a layer's weight (a Linear as exporters write it): A [..., K] runs as one [M, K] x
//   [K, N] product with B in the layout oneDNN prefers, the fused bias and activation applied by the
//   kernel. B is a stored weight ("matmul.weight"), the bias too ("matmul.bias").
// - Otherwise (attention: both operands computed) a batched product, batch dims broadcast; 1-D operands
//   get a dim of 1 that the result drops, as numpy does. Operands are read in place under their strides (q,
//   k and v as views of the projection's output), and a result only a Transpose reads is written in that
//   Transpose's order, when oneDNN has a fast kernel for those strides.
#include <optional>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "engine/ops/strided_loops.hpp"
#include "engine/ops/strided_views.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

bool has_input(const model::Node& n, size_t i) {
  return n.inputs.size() > i && !n.inputs[i].empty();
}

// product + Z for a Z that broadcasts to the product's dims, in plain C++, then the fused activation.
void add_broadcast_residual(const model::Node& n, BuildContext& ctx, const std::string& product, int addend,
                            const Dims& out) {
  const Dims z = ctx.value(addend).dims;
  if (model::broadcast_dims(out, z) != out)
    throw std::runtime_error(ctx.error(n, "the residual " + model::dims_to_string(z) +
                                              " does not broadcast to the product " +
                                              model::dims_to_string(out)));
  const auto act = model::fused_activation(n);
  const std::string sum = act ? n.outputs.at(0) + "#sum" : n.outputs.at(0);
  const int p = ctx.plain(product);
  const int y = ctx.define(sum, out, plain_desc(out));
  const Dims p_strides = ops::broadcast_strides(out, out), z_strides = ops::broadcast_strides(z, out);
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Add " + n.name + " residual (broadcast) " + model::dims_to_string(out), std::vector<int>{p, addend}, y,
      [=](const std::vector<const float*>& in, float* o) {
        ops::binary_strided(ops::BinaryOp::add, in[0], p_strides, in[1], z_strides, out, o);
      }));
  if (act)
    ops::add_eltwise_layer(ctx, model::op_type_of(act->kind) + " " + n.name, sum, n.outputs[0],
                           ops::eltwise_of(*act));
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
  // A residual Z of the output's shape is added by a sum post-op into the destination; one that broadcasts
  // is added after the product by a layer of its own, the activation after it.
  int addend = has_input(n, 3) ? ctx.plain(n.inputs[3]) : -1;
  const bool broadcast_addend = addend >= 0 && ctx.value(addend).dims != out;
  dnnl::post_ops po, before_activation;
  std::string fused;
  if (addend >= 0 && !broadcast_addend) {
    po.append_sum(1.f);
    before_activation.append_sum(1.f);
    fused = " + sum";
  }
  if (!broadcast_addend) fused += ops::append_fused_activation(n, po);
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
  // The product's own name: the node's output, or with a broadcast residual the value it is added to.
  const std::string product = broadcast_addend ? n.outputs.at(0) + "#product" : n.outputs.at(0);
  int y2 = -1;
  if (addend >= 0 && !broadcast_addend && ctx.value(addend).buffer != ctx.value(a_id).buffer &&
      ctx.can_overwrite(addend)) {
    y2 = ctx.define_alias(product + "#2d", {m, cols}, y_md, addend);  // the sum lands in Z's own buffer
  } else {
    y2 = ctx.define(product + "#2d", {m, cols}, y_md);
    if (addend >= 0 && !broadcast_addend) {
      const int z2 = ctx.define_alias(n.inputs[3] + "#2d_" + n.name, {m, cols}, y_md, addend);
      ctx.add_layer(std::make_unique<PrimitiveLayer>(
          "copy addend " + n.inputs[3] + " for " + n.name,
          dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine(), y_md, ctx.engine(), y_md)),
          std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, z2}, {DNNL_ARG_TO, y2}}));
    }
  }
  ctx.define_alias(product, out, plain_desc(out), y2);
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
  if (!broadcast_addend)
    if (auto f = ops::faithful_fused_activation(n, before_activation, make, pd.dst_desc(), {m, cols}))
      layer->set_faithful(std::move(*f));
  ctx.add_layer(std::move(layer));
  if (broadcast_addend) add_broadcast_residual(n, ctx, product, addend, out);
}

// An operand of a batched product: a strided view as it is (q, k, v where the projection wrote them), any
// other layout row-major.
int operand(BuildContext& ctx, const std::string& name) {
  const int id = ctx.strided(name);
  const Value& v = ctx.value(id);
  return v.buffer >= 0 && is_strided_layout(v.md) ? id : ctx.plain(name);
}

// `dims` (ndims <= rank) left-padded with 1s to `rank`, and its strides with them.
std::pair<Dims, Dims> padded(const Dims& dims, const Dims& strides, size_t rank) {
  Dims d = model::left_pad(dims, rank), s(rank - strides.size(), 0);
  s.insert(s.end(), strides.begin(), strides.end());
  for (size_t i = rank - strides.size(); i-- > 0;) s[i] = s[i + 1] * d[i + 1];
  return {d, s};
}

dnnl::memory::desc strided_desc(const Dims& dims, const Dims& strides) {
  return dnnl::memory::desc(ops::dnnl_dims(dims), dt::f32, ops::dnnl_dims(strides));
}

bool reference_kernel(const dnnl::matmul::primitive_desc& pd) {
  return std::string(pd.impl_info_str()).find("ref") != std::string::npos;
}

// The permutation of the Transpose that alone reads `value`, if one does and it keeps the rank.
std::optional<Dims> transposed_by(const BuildContext& ctx, const std::string& value, size_t rank) {
  const auto readers = ctx.graph_index().readers(value);
  if (readers.size() != 1 || ctx.graph_index().reader_count(value) != 1) return std::nullopt;
  const model::Node& t = *readers[0];
  if (!t.domain.empty() || t.op_type != "Transpose") return std::nullopt;
  Dims perm = t.get_ints("perm");
  if (perm.empty()) {
    perm.resize(rank);
    for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<std::int64_t>(rank - 1 - i);
  }
  if (perm.size() != rank) return std::nullopt;
  std::vector<bool> seen(rank, false);
  for (auto p : perm) {
    if (p < 0 || p >= static_cast<std::int64_t>(rank) || seen[static_cast<size_t>(p)]) return std::nullopt;
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

void build_matmul(const model::Node& n, BuildContext& ctx) {
  if (const auto* b = ctx.constant(n.inputs.at(1)); b && b->dims.size() == 2) return build_linear(n, ctx, *b);
  if (n.domain == model::kInternalDomain && (!n.has("scale_op") || n.inputs.size() != 2))
    throw std::logic_error(n.describe() + ": a fused MatMul needs a constant 2-D B, or only a scale");
  int a_id = operand(ctx, n.inputs.at(0));
  int b_id = operand(ctx, n.inputs[1]);
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
  // The operands as oneDNN reads them: equal ranks, each with its own strides (1-D ones made 2-D above).
  const auto strides_2d = [&](int id, bool column) {
    Dims s = strides_of(ctx.value(id).md);
    if (ctx.value(id).dims.size() == 1) s = column ? Dims{s[0], 1} : Dims{s[0] * ctx.value(id).dims[0], s[0]};
    return s;
  };
  auto [ap, as] = padded(a2, strides_2d(a_id, false), rank);
  auto [bp, bs] = padded(b2, strides_2d(b_id, true), rank);
  memory::desc a_md = strided_desc(ap, as), b_md = strided_desc(bp, bs);
  // A result that a Transpose alone reads is written in the Transpose's order, which then is a row-major
  // view of it (attention's [N, heads, T, d] -> [N, T, heads, d]).
  const auto perm = result.size() == rank ? transposed_by(ctx, n.outputs.at(0), rank) : std::nullopt;
  memory::desc y_md = plain_desc(out);
  if (perm) {
    const Dims buffer_strides = ops::row_major_strides(ops::permuted(out, *perm));
    Dims s(rank);
    for (size_t i = 0; i < rank; ++i) s[static_cast<size_t>((*perm)[i])] = buffer_strides[i];
    y_md = strided_desc(out, s);
  }
  // A fused scale (attention's 1 / sqrt(d)): the product divided or multiplied by the constant, as a binary
  // post-op with a one-element operand, so that it rounds as the Div or Mul does.
  const std::string scale_op = n.get_string("scale_op", "");
  if (!scale_op.empty() && scale_op != "Div" && scale_op != "Mul")
    throw std::logic_error(n.describe() + ": scale_op " + scale_op);
  const memory::desc scale_md = plain_desc(Dims(rank, 1));
  dnnl::primitive_attr attr;
  std::unordered_map<int, dnnl::memory> fixed;
  std::string scale_text;
  if (!scale_op.empty()) {
    dnnl::post_ops po;
    po.append_binary(scale_op == "Div" ? dnnl::algorithm::binary_div : dnnl::algorithm::binary_mul, scale_md);
    attr.set_post_ops(po);
    dnnl::memory scale(scale_md, ctx.engine());
    *static_cast<float*>(scale.get_data_handle()) = n.get_float("scale", 1.f);
    fixed[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = scale;
    scale_text = (scale_op == "Div" ? " / " : " * ") + std::to_string(n.get_float("scale", 1.f));
  }
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, y_md), attr, ctx.engine());
  if (reference_kernel(pd) && !(is_plain(a_md, a) && is_plain(b_md, b) && is_plain(y_md, out))) {
    // oneDNN has only its reference kernel for these strides: row-major operands and result instead.
    a_id = ctx.plain(n.inputs[0]);
    b_id = ctx.plain(n.inputs[1]);
    a_md = plain_desc(a);
    b_md = plain_desc(b);
    y_md = plain_desc(out);
    pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, y_md), attr, ctx.engine());
  }
  ctx.add_flops(2.0 * static_cast<double>(model::element_count(out)) * static_cast<double>(a[rank - 1]));
  int y = -1;
  if (y_md == plain_desc(out)) {
    y = ctx.define(n.outputs.at(0) + "#mm", out, y_md);
    ctx.define_alias(n.outputs[0], result, plain_desc(result), y);
  } else {
    const int buffer = ctx.define(n.outputs[0] + "#transposed", ops::permuted(out, *perm),
                                  plain_desc(ops::permuted(out, *perm)));
    y = ctx.define_strided_view(n.outputs[0], out, strides_of(y_md), buffer, 0);
  }
  // The operands were defined with their own ranks; oneDNN wants equal ranks, so bind rank-padded views.
  const int a_view = ctx.define_alias(n.inputs[0] + "#mm_a_" + n.name, a, a_md, a_id);
  const int b_view = ctx.define_alias(n.inputs[1] + "#mm_b_" + n.name, b, b_md, b_id);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      "MatMul " + n.name + " " + model::dims_to_string(out) + scale_text +
          (perm && y_md != plain_desc(out) ? " (transposed)" : "") + " [" + pd.impl_info_str() + "]",
      dnnl::matmul(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, a_view}, {DNNL_ARG_WEIGHTS, b_view}, {DNNL_ARG_DST, y}},
      std::move(fixed)));
}

}  // namespace

void register_matmul(OpRegistry& r) {
  r.add("MatMul", build_matmul, 1, 17);
  r.add_internal(model::kFusedMatMul, build_matmul, 1, 17,
                 {"activation", "activation_params", "scale", "scale_op"});
}

}  // namespace flipguard::engine
