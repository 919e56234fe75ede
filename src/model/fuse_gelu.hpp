// Recognises the exact (erf) GELU written out in primitives, as PyTorch exports nn.GELU():
//   y = x * 0.5 * (1 + Erf(x / sqrt(2)))     (x / sqrt(2) or x * (1 / sqrt(2)); the products in any order)
// and replaces it by one Gelu node in kInternalDomain (ONNX has Gelu only from opset 20), which the engine
// runs as one kernel and the activation fusion can fold into the MatMul, Gemm or Conv before it.
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

inline constexpr char kGelu[] = "Gelu";

// Returns the number of GELUs fused.
int fuse_gelu(Graph& g);

}  // namespace flipguard::model
