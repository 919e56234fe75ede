// Pad (constant, reflect, edge) in plain C++ over row-major data; negative pads crop.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_pad(const model::Node& n, BuildContext& ctx) {
  const Dims in = ctx.value(n.inputs.at(0)).dims;
  const auto rank = static_cast<std::int64_t>(in.size());
  Dims pads;
  float value = 0.f;
  if (ctx.graph().opset >= 11) {
    pads = ctx.require_constant(n, 1).ints;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const auto& c = ctx.require_constant(n, 2);
      value = c.floats.empty() ? static_cast<float>(c.ints.at(0)) : c.floats.at(0);
    }
    if (n.inputs.size() > 3 && !n.inputs[3].empty())
      throw std::runtime_error(ctx.error(n, "the axes input is not supported"));
  } else {
    pads = n.get_ints("pads");
    value = n.get_float("value", 0.f);
  }
  if (static_cast<std::int64_t>(pads.size()) != 2 * rank)
    throw std::runtime_error(
        ctx.error(n, "pads has " + std::to_string(pads.size()) + " values for rank " + std::to_string(rank)));
  const std::string mode = n.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    throw std::runtime_error(ctx.error(n, "unknown mode '" + mode + "'"));
  if (std::all_of(pads.begin(), pads.end(), [](std::int64_t p) { return p == 0; })) {
    // Nothing to pad (PyTorch exports AvgPool2d with a zero Pad in front): the input itself, in its layout.
    const int src = ctx.id(n.inputs[0]);
    ctx.define_alias(n.outputs.at(0), in, ctx.value(src).md, src);
    return;
  }
  const int x = ctx.plain(n.inputs.at(0));
  Dims out(static_cast<size_t>(rank));
  for (std::int64_t i = 0; i < rank; ++i) {
    out[i] = in[i] + pads[i] + pads[i + rank];
    if (out[i] < 0) throw std::runtime_error(ctx.error(n, "pads crop more than the input holds"));
    if (mode == "reflect" && (pads[i] >= in[i] || pads[i + rank] >= in[i]))
      throw std::runtime_error(ctx.error(n, "reflect pads must be smaller than the dimension"));
  }
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  // Where output coordinate j of dimension d reads from in the input (-1: the constant), computed once.
  std::vector<std::vector<std::int64_t>> source(static_cast<size_t>(rank));
  for (std::int64_t d = 0; d < rank; ++d)
    for (std::int64_t j = 0; j < out[d]; ++j) {
      std::int64_t i = j - pads[d];
      if (i < 0 || i >= in[d])
        i = mode == "constant" ? -1
            : mode == "edge"   ? (i < 0 ? 0 : in[d] - 1)
                               : (i < 0 ? -i : 2 * (in[d] - 1) - i);
      source[d].push_back(i);
    }
  // Row by row (the last dimension), so the per-element work is one table lookup and a copy.
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Pad " + n.name + " " + mode, std::vector<int>{x}, y,
      [=](const std::vector<const float*>& src, float* dst) {
        const std::int64_t width = out.back(), in_width = in.back();
        const auto& last = source.back();
        std::vector<std::int64_t> idx(static_cast<size_t>(rank), 0);
        const std::int64_t rows = model::element_count(out) / std::max<std::int64_t>(width, 1);
        for (std::int64_t row = 0; row < rows; ++row) {
          float* o = dst + row * width;
          std::int64_t base = 0;
          bool outside = false;
          for (std::int64_t d = 0; d + 1 < rank; ++d) {
            const std::int64_t i = source[static_cast<size_t>(d)][static_cast<size_t>(idx[d])];
            outside = outside || i < 0;
            base = base * in[d] + (i < 0 ? 0 : i);
          }
          if (outside) {
            std::fill(o, o + width, value);
          } else {
            const float* r = src[0] + base * in_width;
            for (std::int64_t j = 0; j < width; ++j)
              o[j] = last[static_cast<size_t>(j)] < 0 ? value : r[last[static_cast<size_t>(j)]];
          }
          for (std::int64_t d = rank - 2; d >= 0; --d) {  // next row
            if (++idx[d] < out[d]) break;
            idx[d] = 0;
          }
        }
      }));
}

}  // namespace

void register_pad(OpRegistry& r) {
  r.add("Pad", build_pad, 2, 17, {"mode", "pads", "value"});
}

}  // namespace flipguard::engine
