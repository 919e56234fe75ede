// Folds a zero Pad into the AveragePool or Conv reading it, as that operator's own padding: PyTorch exports
// avg_pool2d(padding=p) as Pad -> AveragePool (Inception v3's branch pools) and TensorFlow exports "same"
// convolutions as Pad -> Conv. The Pad alone is a plain-layout copy, and it drags the pooling after it into
// oneDNN's slow plain-layout kernel; folded, both run in the blocked layout of the convolutions around them.
// Exact: an AveragePool over a zero-padded tensor (no ceil mode, no padding of its own) is one with those
// pads counted in every window (count_include_pad=1); a Conv's padding is zeros.
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

// Rewrites Pad(x) -> AveragePool / Conv into the reader alone, when the Pad is mode "constant" with value 0,
// pads only the spatial dims of a 4-D tensor by non-negative constant amounts, and its output feeds only that
// reader (which has no padding and no auto_pad of its own; an AveragePool also no ceil mode). Returns the
// number of Pads folded.
int fold_pad(Graph& g);

}  // namespace flipguard::model
