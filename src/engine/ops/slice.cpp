// Slice (with steps, negative indices, clamping as ONNX defines): a strided copy in rows.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "engine/ops/strided_loops.hpp"

namespace flipguard::engine {
namespace {

void build_slice(const model::Node& n, BuildContext& ctx) {
  const int x = ctx.plain(n.inputs.at(0));
  const Dims in = ctx.value(x).dims;
  const auto rank = static_cast<std::int64_t>(in.size());
  Dims starts, ends, axes, steps;
  if (ctx.graph().opset >= 10) {
    starts = ctx.require_constant(n, 1).ints;
    ends = ctx.require_constant(n, 2).ints;
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) axes = ctx.require_constant(n, 3).ints;
    if (n.inputs.size() > 4 && !n.inputs[4].empty()) steps = ctx.require_constant(n, 4).ints;
  } else {
    starts = n.get_ints("starts");
    ends = n.get_ints("ends");
    axes = n.get_ints("axes");
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw std::runtime_error(ctx.error(n, "starts/ends/axes/steps differ in length"));
  Dims begin(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1), out = in;
  for (size_t k = 0; k < starts.size(); ++k) {
    std::int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
    if (a < 0 || a >= rank) throw std::runtime_error(ctx.error(n, "axis out of range"));
    const std::int64_t dim = in[a], st = steps[k];
    if (st == 0) throw std::runtime_error(ctx.error(n, "step 0"));
    std::int64_t s = starts[k] < 0 ? starts[k] + dim : starts[k];
    std::int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (st > 0) {
      s = std::clamp<std::int64_t>(s, 0, dim);
      e = std::clamp<std::int64_t>(e, 0, dim);
      out[a] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<std::int64_t>(s, 0, dim - 1);
      e = std::clamp<std::int64_t>(e, -1, dim - 1);
      out[a] = s > e ? (s - e - st - 1) / (-st) : 0;
    }
    begin[a] = s;
    step[a] = st;
  }
  for (auto d : out)
    if (d == 0)
      throw std::runtime_error(ctx.error(n, "the slice is empty, which the engine does not support"));
  Dims strides(static_cast<size_t>(rank));
  std::int64_t acc = 1, offset = 0;
  for (std::int64_t i = rank; i-- > 0;) {
    strides[i] = acc * step[i];
    offset += begin[i] * acc;
    acc *= in[i];
  }
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<FunctionLayer>("Slice " + n.name + " " + model::dims_to_string(out),
                                                std::vector<int>{x}, y,
                                                [=](const std::vector<const float*>& src, float* dst) {
                                                  ops::copy_strided(src[0], offset, out, strides, dst);
                                                }));
}

}  // namespace

void register_slice(OpRegistry& r) {
  r.add("Slice", build_slice, 1, 17, {"starts", "ends", "axes"});
}

}  // namespace flipguard::engine
