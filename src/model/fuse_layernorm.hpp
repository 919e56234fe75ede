// Recognises layer normalization written out in primitives (what PyTorch exports before opset 17, and what
// some exporters still write) and replaces it by one node the engine runs as a single kernel:
//   m = ReduceMean(x, axes=[-k..-1]); d = Sub(x, m); v = ReduceMean(Pow(d, 2) or Mul(d, d), same axes)
//   y = Div(d, Sqrt(Add(v, eps)))  [* gamma]  [+ beta]      (gamma, beta constant; either operand order)
// becomes LayerNormalization(x, gamma, beta) with axis = -k and epsilon = eps, in kInternalDomain (ONNX has
// the operator only from opset 17; the node has its semantics at any opset, and an omitted gamma or beta is
// 1 or 0). Every intermediate value must feed only the next step of the pattern.
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

inline constexpr char kLayerNorm[] = "LayerNormalization";

// Returns the number of layer normalizations fused.
int fuse_layernorm(Graph& g);

}  // namespace flipguard::model
