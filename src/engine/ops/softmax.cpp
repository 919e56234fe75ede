// Softmax / LogSoftmax on oneDNN. Before opset 13 the input is coerced to 2-D at `axis`.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/nan_fixup.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_softmax(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const auto rank = static_cast<std::int64_t>(in.size());
  const bool legacy = ctx.graph().opset < 13;
  std::int64_t axis = n.get_int("axis", legacy ? 1 : -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw std::runtime_error(ctx.error(n, "axis out of range"));
  Dims shape = in;
  int dnnl_axis = static_cast<int>(axis);
  if (legacy) {
    std::int64_t outer = 1;
    for (std::int64_t i = 0; i < axis; ++i) outer *= in[i];
    shape = {outer, model::element_count(in) / outer};
    dnnl_axis = 1;
  }
  const int xv = ctx.define_alias(n.inputs[0] + "#softmax_view_" + n.name, shape, plain_desc(shape), x);
  const auto md = plain_desc(shape);
  const bool log = n.op_type == "LogSoftmax";
  const int y_view = ctx.define(n.outputs.at(0) + "#2d", shape, md);
  ctx.define_alias(n.outputs.at(0), in, plain_desc(in), y_view);
  if (log) {
    dnnl::logsoftmax_forward::primitive_desc pd(
        dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_inference, md, dnnl_axis), ctx.engine());
    auto layer = std::make_unique<PrimitiveLayer>(
        "LogSoftmax " + n.name, dnnl::logsoftmax_forward(pd),
        std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, xv}, {DNNL_ARG_DST, y_view}});
    layer->set_faithful(ops::softmax_with_nan(dnnl::logsoftmax_forward(pd), shape, dnnl_axis));
    ctx.add_layer(std::move(layer));
  } else {
    dnnl::softmax_forward::primitive_desc pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, dnnl_axis), ctx.engine());
    auto layer = std::make_unique<PrimitiveLayer>(
        "Softmax " + n.name, dnnl::softmax_forward(pd),
        std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, xv}, {DNNL_ARG_DST, y_view}});
    layer->set_faithful(ops::softmax_with_nan(dnnl::softmax_forward(pd), shape, dnnl_axis));
    ctx.add_layer(std::move(layer));
  }
}

}  // namespace

void register_softmax(OpRegistry& r) {
  r.add("Softmax", build_softmax, 1, 17, {"axis"});
  r.add("LogSoftmax", build_softmax, 1, 17, {"axis"});
}

}  // namespace flipguard::engine
