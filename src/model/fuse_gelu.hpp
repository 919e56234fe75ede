// Recognises GELU written out in primitives and replaces it by one node in kInternalDomain (ONNX has Gelu
// only from opset 20), which the engine runs as one kernel and the activation fusion can fold into the
// MatMul, Gemm or Conv before it:
// - the exact (erf) GELU, as PyTorch exports nn.GELU(): a Gelu node,
//     y = x * 0.5 * (1 + Erf(x / sqrt(2)))   (x / sqrt(2) or x * (1 / sqrt(2)); the products in any order)
// - the tanh approximation, as GPT-2's "gelu_new" writes it and PyTorch exports
//   gelu(approximate="tanh"): a GeluTanh node,
//     y = x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))   (x^3 as Pow(x, 3) or x * (x * x))
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

inline constexpr char kGelu[] = "Gelu";
inline constexpr char kGeluTanh[] = "GeluTanh";

// Returns the number of GELUs fused.
int fuse_gelu(Graph& g);

}  // namespace flipguard::model
