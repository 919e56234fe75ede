// A convolution with a 1x1 kernel, stride 1 and zero padding computes nothing at the border: there every
// output is activation(bias). oneDNN has no fast kernel for a padded 1x1 convolution (it falls back to
// im2col + gemm, or to its reference kernel on blocked layouts), but a fast one for the unpadded one. So
// such a conv runs unpadded into an interior value, and this step writes the padded output: the interior
// copied, the border filled per channel. (SqueezeNet 1.1's last conv, 29 % of its batch-1 time on an AVX2
// machine, is one.)
#pragma once

#include <array>
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "engine/blocked_layout.hpp"
#include "model/activation.hpp"
#include "model/graph.hpp"

namespace flipguard::engine::ops {

// What a padded 1x1 conv's fused activation makes of the bias at the border, computed in plain C++ exactly
// as oneDNN's post-op does: f(bias, activation).
using BorderActivation = float (*)(float, const model::Activation&);

// The border function of conv node `n`'s fused activation (the identity without one): Relu, LeakyRelu and
// Clip; none for other activations, which keep the padded kernel.
std::optional<BorderActivation> border_activation(const model::Node& n);

// A desc of `dims` in the same layout as `md` (plain, channels-last or channel-blocked by 8 or 16), or none
// for another layout.
std::optional<dnnl::memory::desc> same_layout(const dnnl::memory::desc& md, const model::Dims& dims);

class BorderFill {
 public:
  // `interior` (dims [N, C, spatial...], layout interior_md) sits at offset `pad_begin` inside the output
  // (dims out_dims, layout out_md, the same kind of layout). Spatial rank 1 to 3.
  BorderFill(const dnnl::memory::desc& interior_md, const model::Dims& interior_dims,
             const dnnl::memory::desc& out_md, const model::Dims& out_dims, const model::Dims& pad_begin);

  // Channels the output buffer holds, blocking's padding included (those must stay 0).
  std::int64_t padded_channels() const { return padded_channels_; }

  // Writes the output: the interior copied, border element of channel c = border[c] (border holds
  // padded_channels() values); a block's padding channels are written 0 everywhere.
  void run(const float* interior, const float* border, float* out) const;

 private:
  // The output's (or interior's) index of the start of row (n, c, d, h), in the desc's own rank.
  std::array<std::int64_t, DNNL_MAX_NDIMS> index(std::int64_t n, std::int64_t c, std::int64_t d,
                                                 std::int64_t h) const;

  BlockedLayout in_layout_, out_layout_;
  model::Dims in_dims_, out_dims_, pad_;  // spatial padded to rank 3 with leading 1s (pad 0)
  std::int64_t images_ = 0, padded_channels_ = 0;
  int rank_ = 4;
  std::int64_t in_step_ = 1, out_step_ = 1;  // elements between neighbours along the last spatial dim
  std::int64_t channel_run_ = 1;             // channels contiguous in memory (see the constructor)
};

}  // namespace flipguard::engine::ops
