#include "engine/ops/channel_binary.hpp"

#include <omp.h>

#include <algorithm>

#include "engine/ops/op_util.hpp"

namespace flipguard::engine::ops {

namespace {

enum class Op { kAdd, kSub, kMul, kDiv };

Op op_of(const std::string& op_type) {
  return op_type == "Add" ? Op::kAdd : op_type == "Sub" ? Op::kSub : op_type == "Mul" ? Op::kMul : Op::kDiv;
}

// The walk over a buffer [N][C/block][spatial...][block]; channels-last is one block of all C channels.
struct ChannelWalk {
  std::int64_t images = 0, channels = 0, block = 1, spatial = 1;
  std::int64_t image_stride = 0, block_stride = 0;
  std::vector<std::int64_t> spatial_dims, spatial_strides;
  bool per_image = false;  // the operand has one row per image (else one row for all)
};

template <Op op>
void apply(const ChannelWalk& w, const float* a, const float* g, float* y) {
  const std::int64_t blocks = (w.channels + w.block - 1) / w.block;
  const auto rank = w.spatial_dims.size();
  const std::int64_t last = w.spatial_dims[rank - 1], last_stride = w.spatial_strides[rank - 1];
  const std::int64_t rows = w.spatial / last;  // rows along the last spatial dim, per image and block
  // One task per (image, block, row): batch 1 in channels-last still splits across threads.
#pragma omp parallel for schedule(static)
  for (std::int64_t t = 0; t < w.images * blocks * rows; ++t) {
    const std::int64_t n = t / rows / blocks, cb = t / rows % blocks;
    const float* gate = g + (w.per_image ? n * w.channels : 0) + cb * w.block;
    const std::int64_t valid = std::min(w.block, w.channels - cb * w.block);  // padded channels stay as in a
    std::int64_t off = n * w.image_stride + cb * w.block_stride;
    for (std::int64_t r = t % rows, d = static_cast<std::int64_t>(rank) - 1; d-- > 0;) {
      off += r % w.spatial_dims[static_cast<size_t>(d)] * w.spatial_strides[static_cast<size_t>(d)];
      r /= w.spatial_dims[static_cast<size_t>(d)];
    }
    for (std::int64_t s = 0; s < last; ++s, off += last_stride) {
      for (std::int64_t c = 0; c < valid; ++c) {
        const float x = a[off + c], z = gate[c];
        y[off + c] = op == Op::kAdd ? x + z : op == Op::kSub ? x - z : op == Op::kMul ? x * z : x / z;
      }
      for (std::int64_t c = valid; c < w.block; ++c) y[off + c] = a[off + c];
    }
  }
}

// Whether md is `dims` channels-last and dense (nwc, nhwc, ndhwc).
bool channels_last(const dnnl::memory::desc& md, const Dims& dims) {
  using tag = dnnl::memory::format_tag;
  const tag t = dims.size() == 3 ? tag::acb : dims.size() == 4 ? tag::acdb : tag::acdeb;
  return dims.size() <= 5 && md == dnnl::memory::desc(dnnl_dims(dims), dnnl::memory::data_type::f32, t);
}

}  // namespace

bool build_channel_binary(const model::Node& n, BuildContext& ctx, int a, int b, const Dims& out) {
  const dnnl::memory::desc a_md = ctx.value(a).md;
  const Dims& ad = ctx.value(a).dims;
  const Dims bd = ctx.value(b).dims;
  if (ad != out || ad.size() < 3 || a_md.data.format_kind != dnnl_blocked) return false;
  const auto& blocking = a_md.data.format_desc.blocking;
  const bool last = channels_last(a_md, ad);
  if (a_md.data.offset0 != 0 || (!last && (blocking.inner_nblks != 1 || blocking.inner_idxs[0] != 1)))
    return false;
  // b, left-padded to a's rank, must be [N or 1, C, 1, ...].
  Dims bp(ad.size() - std::min(bd.size(), ad.size()), 1);
  bp.insert(bp.end(), bd.begin(), bd.end());
  if (bp.size() != ad.size() || bp[1] != ad[1] || (bp[0] != 1 && bp[0] != ad[0])) return false;
  for (size_t i = 2; i < bp.size(); ++i)
    if (bp[i] != 1) return false;

  ChannelWalk w;
  w.images = ad[0];
  w.channels = ad[1];
  w.block = last ? ad[1] : blocking.inner_blks[0];
  w.image_stride = blocking.strides[0];
  w.block_stride = last ? 0 : blocking.strides[1];
  for (size_t i = 2; i < ad.size(); ++i) {
    w.spatial_dims.push_back(ad[i]);
    w.spatial_strides.push_back(blocking.strides[i]);
    w.spatial *= ad[i];
  }
  w.per_image = bp[0] != 1 && ad[0] != 1;
  // The buffer may hold padded channels (C rounded up to the block): the kernel walks every block.
  const int g = ctx.plain(ctx.value(b).name);
  const int y = ctx.can_overwrite(a) ? ctx.define_alias(n.outputs.at(0), out, a_md, a)
                                     : ctx.define(n.outputs.at(0), out, a_md);
  void (*kernel)(const ChannelWalk&, const float*, const float*, float*) = nullptr;
  switch (op_of(n.op_type)) {
    case Op::kAdd:
      kernel = apply<Op::kAdd>;
      break;
    case Op::kSub:
      kernel = apply<Op::kSub>;
      break;
    case Op::kMul:
      kernel = apply<Op::kMul>;
      break;
    case Op::kDiv:
      kernel = apply<Op::kDiv>;
      break;
  }
  ctx.add_layer(std::make_unique<FunctionLayer>(
      n.op_type + " " + n.name + " (per channel)", std::vector<int>{a, g}, y,
      [w, kernel](const std::vector<const float*>& in, float* o) { kernel(w, in[0], in[1], o); }));
  return true;
}

}  // namespace flipguard::engine::ops
