#include "engine/ops/border_fill.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "model/fuse_activations.hpp"

namespace flipguard::engine::ops {

using dnnl::memory;
using tag = memory::format_tag;

std::optional<BorderActivation> border_activation(const model::Node& n) {
  const auto act = model::fused_activation(n);
  if (!act) return [](float b, const model::Activation&) { return b; };
  switch (act->kind) {
    case model::ActivationKind::Relu:
      return [](float b, const model::Activation&) { return b > 0.f ? b : b * 0.f; };
    case model::ActivationKind::LeakyRelu:
      return [](float b, const model::Activation& a) { return b > 0.f ? b : b * a.alpha; };
    case model::ActivationKind::Clip:
      return [](float b, const model::Activation& a) { return std::min(std::max(b, a.alpha), a.beta); };
    default:
      return std::nullopt;
  }
}

std::optional<memory::desc> same_layout(const memory::desc& md, const model::Dims& dims) {
  const memory::dims old(md.dims());
  const memory::dims next(dims.begin(), dims.end());
  std::vector<tag> candidates;
  switch (old.size()) {
    case 3:
      candidates = {tag::abc, tag::acb, tag::aBc8b, tag::aBc16b};
      break;
    case 4:
      candidates = {tag::abcd, tag::acdb, tag::aBcd8b, tag::aBcd16b};
      break;
    case 5:
      candidates = {tag::abcde, tag::acdeb, tag::aBcde8b, tag::aBcde16b};
      break;
    default:
      return std::nullopt;
  }
  for (tag t : candidates)
    if (memory::desc(old, md.data_type(), t) == md) return memory::desc(next, md.data_type(), t);
  return std::nullopt;
}

namespace {

// [N, C, s...] -> [N, C, 1.., s...] with three spatial dims.
model::Dims rank5(const model::Dims& d, std::int64_t fill) {
  if (d.size() < 3 || d.size() > 5) throw std::logic_error("BorderFill: rank must be 3 to 5");
  model::Dims r{d[0], d[1]};
  for (size_t i = d.size(); i < 5; ++i) r.push_back(fill);
  r.insert(r.end(), d.begin() + 2, d.end());
  return r;
}

}  // namespace

BorderFill::BorderFill(const memory::desc& interior_md, const model::Dims& interior_dims,
                       const memory::desc& out_md, const model::Dims& out_dims, const model::Dims& pad_begin)
    : in_layout_(interior_md),
      out_layout_(out_md),
      in_dims_(rank5(interior_dims, 1)),
      out_dims_(rank5(out_dims, 1)),
      images_(out_dims.at(0)),
      padded_channels_(out_md.data.padded_dims[1]),
      rank_(static_cast<int>(out_dims.size())) {
  model::Dims pad{0, 0};
  pad.insert(pad.end(), pad_begin.begin(), pad_begin.end());
  pad_ = rank5(pad, 0);
  if (interior_md.data.padded_dims[1] != padded_channels_)
    throw std::logic_error("BorderFill: interior and output block channels differently");
  // The last spatial dim is never blocked, so a row along it is evenly strided.
  std::array<std::int64_t, DNNL_MAX_NDIMS> one{};
  one[static_cast<size_t>(rank_) - 1] = 1;
  const std::array<std::int64_t, DNNL_MAX_NDIMS> zero{};
  in_step_ = in_layout_.offset(one.data()) - in_layout_.offset(zero.data());
  out_step_ = out_layout_.offset(one.data()) - out_layout_.offset(zero.data());
  // Channels adjacent in memory from a run's first: 1 when channels are strided (plain), the block in a
  // blocked layout, all of them in channels-last. The interior is in the same kind of layout.
  std::array<std::int64_t, DNNL_MAX_NDIMS> channel{};
  channel[1] = 1;
  if (out_layout_.offset(channel.data()) - out_layout_.offset(zero.data()) == 1)
    channel_run_ = out_md.data.format_desc.blocking.inner_nblks > 0
                       ? out_md.data.format_desc.blocking.inner_blks[0]
                       : padded_channels_;
  if (padded_channels_ % channel_run_ != 0 ||
      (channel_run_ > 1 && in_layout_.offset(channel.data()) - in_layout_.offset(zero.data()) != 1))
    throw std::logic_error("BorderFill: interior and output lay channels out differently");
}

void BorderFill::run(const float* interior, const float* border, float* out) const {
  const std::int64_t depth = out_dims_[2], height = out_dims_[3], width = out_dims_[4];
  const std::int64_t in_depth = in_dims_[2], in_height = in_dims_[3], in_width = in_dims_[4];
  const std::int64_t pad_d = pad_[2], pad_h = pad_[3], pad_w = pad_[4];
  const std::int64_t run = channel_run_, groups = padded_channels_ / run, channels = out_dims_[1];
  const std::int64_t rows = images_ * groups * depth * height;
  // One task per row of `run` channels: a row of pixels, each `run` contiguous channels (one element in a
  // plain layout, a block in a blocked one, every channel in channels-last).
#pragma omp parallel for schedule(static) if (rows * width * run >= (1 << 15))
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t h = r % height, d = r / height % depth, g = r / height / depth % groups,
                       n = r / height / depth / groups, c = g * run;
    const std::int64_t valid = std::min(run, channels - c);  // a block's padding channels stay 0
    float* row = out + out_layout_.offset(index(n, c, d, h).data());
    const std::int64_t di = d - pad_d, hi = h - pad_h;
    const bool inside = di >= 0 && di < in_depth && hi >= 0 && hi < in_height;
    const float* src = inside ? interior + in_layout_.offset(index(n, c, di, hi).data()) : nullptr;
    for (std::int64_t w = 0; w < width; ++w) {
      const std::int64_t wi = w - pad_w;
      const float* from = inside && wi >= 0 && wi < in_width ? src + wi * in_step_ : border + c;
      std::copy_n(from, valid, row + w * out_step_);
      std::fill_n(row + w * out_step_ + valid, run - valid, 0.f);
    }
  }
}

std::array<std::int64_t, DNNL_MAX_NDIMS> BorderFill::index(std::int64_t n, std::int64_t c, std::int64_t d,
                                                           std::int64_t h) const {
  std::array<std::int64_t, DNNL_MAX_NDIMS> idx{};
  idx[0] = n, idx[1] = c;
  // The desc's own rank: 1D keeps only w, 2D h and w, 3D d, h and w (w, last, is 0: a row's start).
  if (rank_ == 4) idx[2] = h;
  if (rank_ == 5) idx[2] = d, idx[3] = h;
  return idx;
}

}  // namespace flipguard::engine::ops
