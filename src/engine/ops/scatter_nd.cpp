// ScatterND (reduction "none") with constant indices, in plain C++: the output is the data with the indexed
// slices replaced by the updates. Swin's shifted-window mask is built this way; it folds at load time when
// everything is constant, this runs what does not.
#include <algorithm>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

void build_scatter_nd(const model::Node& n, BuildContext& ctx) {
  if (n.get_string("reduction", "none") != "none")
    throw std::runtime_error(ctx.error(n, "only reduction 'none' is supported"));
  const int data = ctx.plain(n.inputs.at(0));
  const auto& indices = ctx.require_constant(n, 1);
  const int updates = ctx.plain(n.inputs.at(2));
  const Dims dims = ctx.value(data).dims;
  const Dims& idx_dims = indices.dims;
  if (idx_dims.empty() || static_cast<size_t>(idx_dims.back()) > dims.size())
    throw std::runtime_error(ctx.error(n, "indices " + model::dims_to_string(idx_dims) +
                                              " do not index data " + model::dims_to_string(dims)));
  const auto k = static_cast<size_t>(idx_dims.back());
  std::int64_t slice = 1;
  for (size_t d = k; d < dims.size(); ++d) slice *= dims[d];
  const std::int64_t tuples = k == 0 ? 1 : model::element_count(idx_dims) / static_cast<std::int64_t>(k);
  if (model::element_count(ctx.value(updates).dims) != tuples * slice)
    throw std::runtime_error(ctx.error(n, "updates " + model::dims_to_string(ctx.value(updates).dims) +
                                              " do not match indices " + model::dims_to_string(idx_dims)));
  // Destination offsets, resolved once.
  const Dims strides = model::strides_of(dims);
  std::vector<std::int64_t> offsets;
  for (std::int64_t t = 0; t < tuples; ++t) {
    std::int64_t off = 0;
    for (size_t d = 0; d < k; ++d) {
      std::int64_t i = indices.ints[static_cast<size_t>(t) * k + d];
      if (i < 0) i += dims[d];
      if (i < 0 || i >= dims[d]) throw std::runtime_error(ctx.error(n, "an index is out of range"));
      off += i * strides[d];
    }
    offsets.push_back(off);
  }
  const auto count = static_cast<size_t>(model::element_count(dims));
  const int y = ctx.define(n.outputs.at(0), dims, plain_desc(dims));
  ctx.add_layer(std::make_unique<FunctionLayer>("ScatterND " + n.name, std::vector<int>{data, updates}, y,
                                                [=](const std::vector<const float*>& in, float* dst) {
                                                  std::copy_n(in[0], count, dst);
                                                  for (size_t t = 0; t < offsets.size(); ++t)
                                                    std::copy_n(in[1] + static_cast<std::int64_t>(t) * slice,
                                                                static_cast<size_t>(slice), dst + offsets[t]);
                                                }));
}

}  // namespace

void register_scatter_nd(OpRegistry& r) {
  r.add("ScatterND", build_scatter_nd, 11, 17, {"reduction"});
}

}  // namespace flipguard::engine
