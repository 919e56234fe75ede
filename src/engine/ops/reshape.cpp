// Reshape, Flatten, Squeeze, Unsqueeze (and Identity / inference Dropout left as graph outputs): views of a
// row-major buffer, no copy and no layer.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void define_view(const model::Node& n, BuildContext& ctx, const Dims& in, Dims out, int src) {
  const auto count = model::element_count(in);
  // Exporters often hard-code batch 1 in a Reshape target; the executor runs a batch of N: if only the
  // leading 1 disagrees, it stands for the batch.
  if (ctx.batch_widened() && model::element_count(out) != count && !out.empty() && out[0] == 1 &&
      !in.empty() && in[0] * model::element_count(out) == count)
    out[0] = in[0];
  if (model::element_count(out) != count)
    throw std::runtime_error(
        ctx.error(n, "cannot view " + model::dims_to_string(in) + " as " + model::dims_to_string(out)));
  ctx.define_alias(n.outputs.at(0), out, plain_desc(out), src);
}

std::vector<std::int64_t> int_input_or_attr(const model::Node& n, const BuildContext& ctx, size_t input,
                                            const std::string& attr) {
  if (n.inputs.size() > input && !n.inputs[input].empty()) return ctx.require_constant(n, input).ints;
  return n.get_ints(attr);
}

void build_reshape(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const Dims shape = int_input_or_attr(n, ctx, 1, "shape");
  const bool allow_zero = n.get_int("allowzero", 0) != 0;
  Dims out(shape.size());
  std::int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) {
      if (i >= in.size()) throw std::runtime_error(ctx.error(n, "0 in shape refers to a missing input dim"));
      out[i] = in[i];
    } else if (shape[i] == -1) {
      if (infer >= 0) throw std::runtime_error(ctx.error(n, "more than one -1 in shape"));
      infer = static_cast<std::int64_t>(i);
      continue;
    } else {
      out[i] = shape[i];
    }
    known *= out[i];
  }
  if (infer >= 0) {
    // With a hard-coded leading 1 and a batch of N, the -1 would absorb the batch: keep the batch in front.
    const auto count = model::element_count(in);
    if (ctx.batch_widened() && out[0] == 1 && infer != 0 && !in.empty() && in[0] > 1 && shape[0] == 1)
      out[0] = in[0], known *= in[0];
    if (known == 0 || count % known != 0)
      throw std::runtime_error(ctx.error(n, "cannot infer -1 reshaping " + model::dims_to_string(in)));
    out[static_cast<size_t>(infer)] = count / known;
  }
  define_view(n, ctx, in, out, x);
}

void build_flatten(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  auto axis = n.get_int("axis", 1);
  if (axis < 0) axis += static_cast<std::int64_t>(in.size());
  if (axis < 0 || axis > static_cast<std::int64_t>(in.size()))
    throw std::runtime_error(ctx.error(n, "axis out of range"));
  std::int64_t outer = 1;
  for (std::int64_t i = 0; i < axis; ++i) outer *= in[i];
  define_view(n, ctx, in, {outer, model::element_count(in) / outer}, x);
}

void build_squeeze(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const auto rank = static_cast<std::int64_t>(in.size());
  auto axes = ctx.graph().opset >= 13 ? (n.inputs.size() > 1 ? ctx.require_constant(n, 1).ints : Dims{})
                                      : n.get_ints("axes");
  for (auto& a : axes) a = a < 0 ? a + rank : a;
  Dims out;
  for (std::int64_t i = 0; i < rank; ++i) {
    const bool listed = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (listed && in[i] != 1)
      throw std::runtime_error(ctx.error(n, "cannot squeeze a dimension of size " + std::to_string(in[i])));
    if (!(listed || (axes.empty() && in[i] == 1))) out.push_back(in[i]);
  }
  define_view(n, ctx, in, out, x);
}

void build_unsqueeze(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  auto axes = ctx.graph().opset >= 13 ? ctx.require_constant(n, 1).ints : n.get_ints("axes");
  const auto rank = static_cast<std::int64_t>(in.size() + axes.size());
  for (auto& a : axes) a = a < 0 ? a + rank : a;
  Dims out;
  size_t k = 0;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end()) {
      out.push_back(1);
    } else {
      if (k >= in.size()) throw std::runtime_error(ctx.error(n, "axes out of range"));
      out.push_back(in[k++]);
    }
  }
  define_view(n, ctx, in, out, x);
}

void build_identity(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  define_view(n, ctx, ctx.value(x).dims, ctx.value(x).dims, x);
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
