// MaxPool / AveragePool on oneDNN, in whatever layout the input has (blocked stays blocked).
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/nan_fixup.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

using dnnl::memory;

void build_pool(const model::Node& n, BuildContext& ctx) {
  const int x_id = ctx.id(n.inputs.at(0));
  const Value x = ctx.value(x_id);
  if (x.dims.size() < 3 || x.dims.size() > 5)
    throw std::runtime_error(ctx.error(n, "input must be 3-D to 5-D, got " + model::dims_to_string(x.dims)));
  if (n.outputs.size() > 1 && !n.outputs[1].empty())
    throw std::runtime_error(ctx.error(n, "the Indices output is not supported"));
  const Dims kernel = n.get_ints("kernel_shape");
  const Dims in_spatial(x.dims.begin() + 2, x.dims.end());
  if (kernel.size() != in_spatial.size())
    throw std::runtime_error(ctx.error(n, "kernel_shape rank mismatch"));
  const auto win = ops::resolve_window(n, ctx, in_spatial, kernel, true);
  for (auto d : win.dilations)
    if (d != 1) throw std::runtime_error(ctx.error(n, "dilations other than 1 are not supported"));
  if (n.has("storage_order") && n.get_int("storage_order", 0) != 0)
    throw std::runtime_error(ctx.error(n, "storage_order=1 is not supported"));
  const bool is_max = n.op_type == "MaxPool";
  const bool include_pad = n.get_int("count_include_pad", 0) != 0;
  auto alg = is_max        ? dnnl::algorithm::pooling_max
             : include_pad ? dnnl::algorithm::pooling_avg_include_padding
                           : dnnl::algorithm::pooling_avg_exclude_padding;
  Dims out{x.dims[0], x.dims[1]};
  out.insert(out.end(), win.out.begin(), win.out.end());
  dnnl::pooling_forward::desc d(
      dnnl::prop_kind::forward_inference, alg, x.md,
      memory::desc(ops::dnnl_dims(out), memory::data_type::f32, memory::format_tag::any),
      ops::dnnl_dims(win.strides), ops::dnnl_dims(kernel), ops::dnnl_dims(win.pad_begin),
      ops::dnnl_dims(win.pad_end));
  dnnl::pooling_forward::primitive_desc pd(d, ctx.engine());
  const int y = ctx.define(n.outputs.at(0), out, pd.dst_desc());
  auto layer = std::make_unique<PrimitiveLayer>(
      n.op_type + " " + n.name + " " + model::dims_to_string(out) + " [" + pd.impl_info_str() + "]",
      dnnl::pooling_forward(pd), std::vector<std::pair<int, int>>{{DNNL_ARG_SRC, x_id}, {DNNL_ARG_DST, y}});
  if (is_max)
    layer->set_faithful(ops::max_pool_with_nan(ctx.engine(), dnnl::pooling_forward(pd), x.md, x.dims,
                                               pd.dst_desc(), out, kernel, win.strides, win.pad_begin),
                        ops::max_pool_nan_scratch_bytes(x.md, x.dims, pd.dst_desc(), out));
  ctx.add_layer(std::move(layer));
}

}  // namespace

void register_pool(OpRegistry& r) {
  r.add("MaxPool", build_pool, 1, 17,
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  r.add("AveragePool", build_pool, 1, 17,
        {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
}

}  // namespace flipguard::engine
