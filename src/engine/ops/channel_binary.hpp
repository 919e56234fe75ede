// Add/Sub/Mul/Div of an activation in a channel-blocked layout (e.g. nChw8c) or channels-last by a
// per-(image, channel) operand of shape [N or 1, C, 1, ...] (the gate of squeeze-and-excitation blocks).
// oneDNN 2.x has no optimised binary kernel for a blocked first operand with a plain broadcast second one and
// falls back to its reference kernel (about 85 % of RegNetY-400MF's time at batch 1), nor for channels-last
// with a per-image operand (batch > 1); this layer walks the buffer directly.
#pragma once

#include "engine/build_context.hpp"

namespace flipguard::engine::ops {

// Adds the layer and returns true when `a` (not broadcast, shape `out`) is blocked with one inner block, on
// the channel axis, or dense channels-last, and `b` is a per-(image, channel) operand; returns false, adding
// nothing, otherwise.
bool build_channel_binary(const model::Node& n, BuildContext& ctx, int a, int b, const Dims& out);

}  // namespace flipguard::engine::ops
