// Concat. Along the channels of a channel-major layout: in place for one image, else one copy per image and
// part. Otherwise oneDNN's concat, the inputs kept in their layout when the library can take them as they
// are.
#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"

namespace flipguard::engine {
namespace {

using tag = dnnl::memory::format_tag;

// The channel-major layout (plain NCHW, or nChw4c/8c/16c with every input a whole number of blocks) that
// every input of a channel Concat has, if any. In it the channels of one image are one contiguous run per
// input.
std::optional<tag> channel_major_layout(const model::Node& n, BuildContext& ctx) {
  for (const auto& [t, block] : {std::pair{tag::nchw, 1}, std::pair{tag::nChw4c, 4},
                                 std::pair{tag::nChw8c, 8}, std::pair{tag::nChw16c, 16}}) {
    const bool fits =
        std::all_of(n.inputs.begin(), n.inputs.end(), [&, t = t, block = block](const auto& in) {
          const Value& v = ctx.value(in);
          return v.dims[1] % block == 0 &&
                 v.md == dnnl::memory::desc(ops::dnnl_dims(v.dims), dnnl::memory::data_type::f32, t);
        });
    if (fits) return t;
  }
  return std::nullopt;
}

// One image: the parts' producers write into one buffer and the Concat costs nothing (SqueezeNet's fire
// modules, Inception, DenseNet's blocks at batch 1). False, having built nothing, when a part cannot move.
bool concatenate_in_place(const model::Node& n, BuildContext& ctx, const Dims& out,
                          const dnnl::memory::desc& dst) {
  std::vector<int> parts;
  std::vector<size_t> offsets;
  size_t at = 0;
  int previous = -1;
  for (const auto& in : n.inputs) {
    const int id = ctx.id(in);
    const Value& v = ctx.value(id);
    // Inputs already side by side in one buffer, in order (DenseNet: each layer concatenates every earlier
    // feature map, a prefix of the block's final concatenation), move together as one part.
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
  return ctx.define_concatenation(n.outputs.at(0), out, dst, parts, offsets) >= 0;
}

// More images (or parts that cannot move): each image's part is still one contiguous run, so the Concat is
// one memcpy per image and part, spread over the threads; oneDNN's concat takes 0.70 ms where this takes 0.40
// ms (16 x [64 | 64, 56, 56] in nChw16c, 2 threads, alone).
void build_run_copy(const model::Node& n, BuildContext& ctx, const Dims& out, const dnnl::memory::desc& dst) {
  std::vector<int> ids;
  std::vector<size_t> run;  // floats of one image's part
  for (const auto& in : n.inputs) {
    ids.push_back(ctx.id(in));
    run.push_back(ctx.value(ids.back()).md.get_size() / sizeof(float) / static_cast<size_t>(out[0]));
  }
  std::vector<size_t> at(run.size(), 0);  // where each part starts in an image of the output
  for (size_t p = 1; p < run.size(); ++p) at[p] = at[p - 1] + run[p - 1];
  const size_t image = at.back() + run.back();
  const int y = ctx.define(n.outputs.at(0), out, dst);
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Concat " + n.name + " " + model::dims_to_string(out) + " [runs]", ids, y,
      [run, at, image, images = out[0]](const std::vector<const float*>& in, float* y) {
        const auto parts = static_cast<std::int64_t>(run.size());
        const bool large = static_cast<size_t>(images) * image >= (1 << 15);
#pragma omp parallel for schedule(static) if (large)
        for (std::int64_t k = 0; k < images * parts; ++k) {
          const auto i = static_cast<size_t>(k / parts), p = static_cast<size_t>(k % parts);
          std::memcpy(y + i * image + at[p], in[p] + i * run[p], run[p] * sizeof(float));
        }
      }));
}

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
  if (axis == 1 && rank == 4) {
    if (const auto t = channel_major_layout(n, ctx)) {
      const dnnl::memory::desc dst(ops::dnnl_dims(out), dnnl::memory::data_type::f32, *t);
      if (first[0] == 1 && concatenate_in_place(n, ctx, out, dst)) return;
      return build_run_copy(n, ctx, out, dst);
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
