// Split along an axis into consecutive parts (given sizes, or equal parts): each part a strided view of the
// input (no copy; ops/strided_views.hpp), which builders needing row-major data get copied where they read
// it. A constant or blocked input is split by block copies in plain C++.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

void build_split(const model::Node& n, BuildContext& ctx) {
  int x = ctx.strided(n.inputs.at(0));
  const bool views = ctx.value(x).buffer >= 0 && is_strided_layout(ctx.value(x).md);
  if (!views) x = ctx.plain(n.inputs[0]);
  const Dims in = ctx.value(x).dims;
  const auto axis =
      static_cast<size_t>(model::normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(in.size())));
  Dims given;
  if (ctx.graph().opset >= 13) {
    if (n.inputs.size() > 1 && !n.inputs[1].empty()) given = ctx.require_constant(n, 1).ints;
  } else {
    given = n.get_ints("split");
  }
  const Dims sizes = model::split_sizes(in, static_cast<std::int64_t>(axis), given, n.outputs.size());
  std::int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= in[d];
  for (size_t d = axis + 1; d < in.size(); ++d) inner *= in[d];
  std::int64_t begin = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    const std::int64_t size = sizes[k], offset = begin, dim = in[axis];
    begin += size;
    if (n.outputs[k].empty()) continue;
    Dims out = in;
    out[axis] = size;
    if (views) {
      const Dims strides = strides_of(ctx.value(x).md);
      ctx.define_strided_view(n.outputs[k], out, strides, x, offset * strides[axis]);
      continue;
    }
    const int y = ctx.define(n.outputs[k], out, plain_desc(out));
    ctx.add_layer(std::make_unique<FunctionLayer>(
        "Split " + n.name + " part " + std::to_string(k) + " " + model::dims_to_string(out),
        std::vector<int>{x}, y, [=](const std::vector<const float*>& src, float* dst) {
          const auto block = static_cast<size_t>(size * inner);
          for (std::int64_t o = 0; o < outer; ++o)
            std::copy_n(src[0] + (o * dim + offset) * inner, block, dst + static_cast<size_t>(o) * block);
        }));
  }
}

}  // namespace

void register_split(OpRegistry& r) {
  r.add("Split", build_split, 2, 17, {"axis", "split"});
}

}  // namespace flipguard::engine
