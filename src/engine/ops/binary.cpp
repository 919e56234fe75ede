// Add / Sub / Mul / Div with numpy broadcasting. Equal shapes in equal layouts (a residual Add between
// blocked tensors) run in that layout; oneDNN broadcasts only its second operand, so a broadcast first
// operand is swapped in (commutative ops) or handled in plain C++.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/channel_binary.hpp"
#include "engine/ops/op_util.hpp"
#include "engine/ops/strided_loops.hpp"

namespace flipguard::engine {
namespace {

ops::BinaryOp binary_op_of(const std::string& op) {
  if (op == "Add") return ops::BinaryOp::add;
  if (op == "Sub") return ops::BinaryOp::sub;
  if (op == "Mul") return ops::BinaryOp::mul;
  return ops::BinaryOp::div;
}

dnnl::algorithm algorithm_of(const std::string& op) {
  if (op == "Add") return dnnl::algorithm::binary_add;
  if (op == "Sub") return dnnl::algorithm::binary_sub;
  if (op == "Mul") return dnnl::algorithm::binary_mul;
  return dnnl::algorithm::binary_div;
}

Dims left_pad(const Dims& d, size_t rank) {
  Dims r(rank - d.size(), 1);
  r.insert(r.end(), d.begin(), d.end());
  return r;
}

void add_binary_layer(const model::Node& n, BuildContext& ctx, int a, int b, const dnnl::memory::desc& a_md,
                      const dnnl::memory::desc& b_md, const Dims& out_dims) {
  dnnl::binary::primitive_desc pd(dnnl::binary::desc(algorithm_of(n.op_type), a_md, b_md, a_md),
                                  ctx.engine());
  const int y = ctx.can_overwrite(a) && ctx.value(a).md == a_md
                    ? ctx.define_alias(n.outputs.at(0), out_dims, a_md, a)
                    : ctx.define(n.outputs.at(0), out_dims, a_md);
  ctx.add_layer(std::make_unique<PrimitiveLayer>(
      n.op_type + " " + n.name, dnnl::binary(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, y}}));
}

void build_binary(const model::Node& n, BuildContext& ctx) {
  if (n.inputs.size() != 2) throw std::runtime_error(ctx.error(n, "expects two inputs"));
  if (ctx.graph().opset < 7 && n.has("broadcast"))
    throw std::runtime_error(ctx.error(n, "legacy (opset < 7) broadcast attributes are not supported"));
  int a = ctx.id(n.inputs[0]), b = ctx.id(n.inputs[1]);
  Dims ad = ctx.value(a).dims, bd = ctx.value(b).dims;
  const size_t rank = std::max(ad.size(), bd.size());
  const Dims ap = left_pad(ad, rank), bp = left_pad(bd, rank);
  Dims out(rank);
  bool a_broadcast = false, b_broadcast = false;
  for (size_t i = 0; i < rank; ++i) {
    if (ap[i] != bp[i] && ap[i] != 1 && bp[i] != 1)
      throw std::runtime_error(ctx.error(n, "shapes " + model::dims_to_string(ad) + " and " +
                                                model::dims_to_string(bd) + " do not broadcast"));
    out[i] = std::max(ap[i], bp[i]);
    a_broadcast = a_broadcast || ap[i] != out[i];
    b_broadcast = b_broadcast || bp[i] != out[i];
  }
  const bool commutative = n.op_type == "Add" || n.op_type == "Mul";
  // Same shape and same (possibly blocked) layout: stay in it.
  if (ad == bd && ctx.value(a).md == ctx.value(b).md) {
    add_binary_layer(n, ctx, a, b, ctx.value(a).md, ctx.value(b).md, out);
    return;
  }
  // Same shape in different layouts (a residual Add of a conv's blocked output and a plain shortcut, e.g. a
  // zero-padded one): oneDNN runs mixed layouts on its reference kernel, many times slower than a jit reorder
  // of one operand into the other's (blocked) layout followed by the jit kernel.
  if (ad == bd && ad.size() >= 3) {
    if (!is_plain(ctx.value(a).md, ad)) {
      const auto md = ctx.value(a).md;
      add_binary_layer(n, ctx, a, ctx.in_layout(n.inputs[1], md, "as_" + n.name, "for " + n.name), md, md,
                       out);
      return;
    }
    if (!is_plain(ctx.value(b).md, bd)) {
      const auto md = ctx.value(b).md;
      add_binary_layer(n, ctx, ctx.in_layout(n.inputs[0], md, "as_" + n.name, "for " + n.name), b, md, md,
                       out);
      return;
    }
  }
  if (a_broadcast && !b_broadcast && commutative) {
    std::swap(a, b);
    std::swap(ad, bd);
    a_broadcast = false;
    b_broadcast = true;
  }
  if (!a_broadcast) {
    // A per-channel operand against a channel-blocked tensor: walked directly (oneDNN's kernel for it is its
    // reference one); other blocked layouts try oneDNN in that layout first.
    if (ad.size() == rank && !is_plain(ctx.value(a).md, ad) && ops::build_channel_binary(n, ctx, a, b, out))
      return;
    if (ad.size() == rank && !is_plain(ctx.value(a).md, ad)) {
      try {
        const auto b_md = plain_desc(left_pad(ctx.value(b).dims, rank));
        const int b_view =
            ctx.define_alias(n.inputs[1] + "#bin_b_" + n.name, left_pad(ctx.value(b).dims, rank), b_md, b);
        add_binary_layer(n, ctx, a, b_view, ctx.value(a).md, b_md, out);
        return;
      } catch (const dnnl::error&) {  // no blocked implementation: plain below
      }
    }
    const int ap_id = ctx.plain(ctx.value(a).name);
    const int bp_id = ctx.plain(ctx.value(b).name);
    const Dims a_dims = left_pad(ctx.value(ap_id).dims, rank), b_dims = left_pad(ctx.value(bp_id).dims, rank);
    // oneDNN's jit binary broadcasts only some patterns (scalar, per channel, ...); others run on its
    // reference kernel, many times slower than the strided loops below (Swin's window mask [1,nW,1,49,49]
    // over [B,nW,heads,49,49]).
    const dnnl::binary::primitive_desc probe(dnnl::binary::desc(algorithm_of(n.op_type), plain_desc(a_dims),
                                                                plain_desc(b_dims), plain_desc(a_dims)),
                                             ctx.engine());
    if (std::string(probe.impl_info_str()).find("ref") == std::string::npos) {
      const int a_view =
          ctx.define_alias(ctx.value(ap_id).name + "#bin_a_" + n.name, a_dims, plain_desc(a_dims), ap_id);
      const int b_view =
          ctx.define_alias(ctx.value(bp_id).name + "#bin_b_" + n.name, b_dims, plain_desc(b_dims), bp_id);
      add_binary_layer(n, ctx, a_view, b_view, plain_desc(a_dims), plain_desc(b_dims), out);
      return;
    }
  }
  // Both operands broadcast (e.g. [3,1] - [1,4]), or a broadcast oneDNN has no fast kernel for: strided loops
  // in plain C++.
  const int ai = ctx.plain(n.inputs[0]), bi = ctx.plain(n.inputs[1]);
  const Dims a_strides = ops::broadcast_strides(ctx.value(ai).dims, out),
             b_strides = ops::broadcast_strides(ctx.value(bi).dims, out);
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  const ops::BinaryOp op = binary_op_of(n.op_type);
  ctx.add_layer(std::make_unique<FunctionLayer>(
      n.op_type + " " + n.name + " (broadcast) " + model::dims_to_string(out), std::vector<int>{ai, bi}, y,
      [=](const std::vector<const float*>& in, float* o) {
        ops::binary_strided(op, in[0], a_strides, in[1], b_strides, out, o);
      }));
}

}  // namespace

void register_binary(OpRegistry& r) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) r.add(op, build_binary, 7, 17);
}

}  // namespace flipguard::engine
