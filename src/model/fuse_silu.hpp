// Recognises SiLU (swish) written out as Mul(x, Sigmoid(x)), as PyTorch exports nn.SiLU (EfficientNet) at
// every opset, and replaces it by one Silu node in kInternalDomain (ONNX has no such operator before opset
// 22's Swish proposal), which the engine runs as one kernel and the activation fusion folds into the Conv or
// Gemm before it. Without it the Mul reads x and sigmoid(x) in different layouts, which oneDNN runs on its
// reference kernel.
#pragma once

#include "model/graph.hpp"

namespace flipguard::model {

inline constexpr char kSilu[] = "Silu";

// Returns the number of SiLUs fused.
int fuse_silu(Graph& g);

}  // namespace flipguard::model
