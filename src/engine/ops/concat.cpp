// Concat on oneDNN: inputs keep their layout when the library can concatenate them as they are.
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

void build_concat(const model::Node& n, BuildContext& ctx) {
  if (n.inputs.empty()) throw std::runtime_error(ctx.error(n, "has no inputs"));
  const Dims first = ctx.value(n.inputs[0]).dims;
  std::int64_t axis = n.get_int("axis", 1);
  const auto rank = static_cast<std::int64_t>(first.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw std::runtime_error(ctx.error(n, "axis out of range"));
  Dims out = first;
  out[axis] = 0;
  for (const auto& in : n.inputs) {
    const Dims d = ctx.value(in).dims;
    if (static_cast<std::int64_t>(d.size()) != rank)
      throw std::runtime_error(ctx.error(n, "inputs differ in rank"));
    for (std::int64_t i = 0; i < rank; ++i)
      if (i != axis && d[i] != first[i])
        throw std::runtime_error(ctx.error(n, "input '" + in + "' shape " + model::dims_to_string(d) +
                                                  " does not match " + model::dims_to_string(first) +
                                                  " off the concat axis"));
    out[axis] += d[axis];
  }
  // Channels of one image in a channel-major layout (plain NCHW, or nChw4c/8c/16c with every part a whole
  // number of blocks) are one contiguous run per part: the parts' producers write into one buffer and the
  // Concat costs nothing (SqueezeNet's fire modules, Inception, DenseNet's blocks at batch 1).
  if (axis == 1 && rank == 4 && first[0] == 1) {
    using tag = dnnl::memory::format_tag;
    for (const auto& [t, block] : {std::pair{tag::nchw, 1}, std::pair{tag::nChw4c, 4},
                                   std::pair{tag::nChw8c, 8}, std::pair{tag::nChw16c, 16}}) {
      std::vector<int> parts;
      std::vector<size_t> offsets;
      size_t at = 0;
      int previous = -1;
      bool fits = true;
      for (const auto& in : n.inputs) {
        const int id = ctx.id(in);
        const Value& v = ctx.value(id);
        if (v.dims[1] % block != 0 ||
            v.md != dnnl::memory::desc(ops::dnnl_dims(v.dims), dnnl::memory::data_type::f32, t)) {
          fits = false;
          break;
        }
        // Inputs already side by side in one buffer, in order (DenseNet: each layer concatenates every
        // earlier feature map, a prefix of the block's final concatenation), move together as one part.
        const Value* p = previous >= 0 ? &ctx.value(previous) : nullptr;
        const bool continues =
            p && p->buffer >= 0 && v.buffer == p->buffer && v.offset == p->offset + p->md.get_size();
        if (!continues) {
          parts.push_back(id);
          offsets.push_back(at);
        }
        at += v.md.get_size();
        previous = id;
      }
      if (!fits) continue;
      const dnnl::memory::desc dst(ops::dnnl_dims(out), dnnl::memory::data_type::f32, t);
      if (ctx.define_concatenation(n.outputs.at(0), out, dst, parts, offsets) >= 0) return;
    }
  }
  auto make = [&](bool plain) {
    std::vector<int> ids;
    std::vector<dnnl::memory::desc> mds;
    for (const auto& in : n.inputs) {
      ids.push_back(plain ? ctx.plain(in) : ctx.id(in));
      mds.push_back(ctx.value(ids.back()).md);
    }
    const dnnl::memory::desc dst = plain
                                       ? plain_desc(out)
                                       : dnnl::memory::desc(ops::dnnl_dims(out), dnnl::memory::data_type::f32,
                                                            dnnl::memory::format_tag::any);
    dnnl::concat::primitive_desc pd(dst, static_cast<int>(axis), mds, ctx.engine());
    const int y = ctx.define(n.outputs.at(0), out, pd.dst_desc());
    std::vector<std::pair<int, int>> args{{DNNL_ARG_DST, y}};
    for (size_t i = 0; i < ids.size(); ++i)
      args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), ids[i]});
    ctx.add_layer(std::make_unique<PrimitiveLayer>("Concat " + n.name + " " + model::dims_to_string(out),
                                                   dnnl::concat(pd), std::move(args)));
  };
  bool same_layout = true;
  for (const auto& in : n.inputs)
    same_layout = same_layout && !is_plain(ctx.value(in).md, ctx.value(in).dims);
  try {
    make(!same_layout);
  } catch (const dnnl::error&) {
    make(true);
  }
}

}  // namespace

void register_concat(OpRegistry& r) {
  r.add("Concat", build_concat, 4, 17, {"axis"});
}

}  // namespace flipguard::engine
