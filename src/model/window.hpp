// The geometry of a sliding window (Conv, MaxPool, AveragePool): kernel, strides, dilations, explicit or
// automatic padding and ceil mode, resolved once for both shape inference and the engine's kernels.
#pragma once

#include <string>

#include "model/graph.hpp"

namespace flipguard::model {

struct Window {
  Dims kernel, strides, dilations, pad_begin, pad_end, out;
};

// Resolves kernel/strides/dilations/pads/auto_pad/ceil_mode of `n` over the spatial dims `in_spatial`. With
// ceil mode, pad_end grows so that floor arithmetic (oneDNN's) reaches the ceil output size. Errors name
// `source` and the node.
Window resolve_window(const Node& n, const std::string& source, const Dims& in_spatial, const Dims& kernel,
                      bool allow_ceil);

}  // namespace flipguard::model
