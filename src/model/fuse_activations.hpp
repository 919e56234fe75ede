// Fuses what a convolution or inner-product kernel can apply to its own output before writing it (ONNX
// Runtime's ConvActivationFusion / ConvAddActivationFusion and ncnn's fuse passes do the same), so operator
// builders only read what a node says:
//   FusedConv(X, W, [B], [Z]) = activation(Conv(X, W, B) + Z), Conv's attributes plus the activation's
//   FusedGemm(A, B, [C])      = activation(Gemm(A, B, C)),    Gemm's attributes plus the activation's
//   FusedMatMul(A, B, [bias], [Z]) = activation(MatMul(A, B) + bias + Z), B a constant matrix, bias a
//                               constant that varies only along B's columns (a Linear layer as exporters
//                               write it), Z a residual as FusedConv's
//   FusedMatMul(A, B)         = MatMul(A, B) op scale, B computed (attention's scores), with attributes
//                               "scale_op" ("Div" or "Mul") and "scale" (the constant)
//   FusedBatchNormalization(X, scale, B, mean, var) = Relu(BatchNormalization(...)), for the BatchNorms left
//                               unfolded (DenseNet's pre-activation BN -> Relu -> Conv); oneDNN fuses only
//                               Relu
// Both live in kInternalDomain; "activation" names the activation's ONNX operator and "activation_params"
// holds its {alpha, beta} (see model/activation.hpp). A node with nothing to fuse keeps its ONNX operator.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "model/activation.hpp"
#include "model/graph.hpp"

namespace flipguard::model {

inline constexpr char kFusedConv[] = "FusedConv";
inline constexpr char kFusedGemm[] = "FusedGemm";
inline constexpr char kFusedMatMul[] = "FusedMatMul";
inline constexpr char kFusedBatchNorm[] = "FusedBatchNormalization";

// Rewrites, in node order:
// - Conv -> Add -> [activation]: when the Conv's output feeds only an Add of two distinct values whose other
//   input Z is not a constant and is computed before the Conv (in node order, counting values that earlier
//   fusions produce at their Conv), Z becomes the residual addend. Shapes are unknown here: the engine checks
//   Z against the Conv's output when it builds the node;
// - MatMul with a constant 2-D B -> Add of a constant bias over B's columns -> [residual Add, as for a Conv]
//   -> [activation];
// - MatMul with a computed B -> Div or Mul by a constant scalar (the product divided, not the divisor);
// - Conv or Gemm (or the Add just fused) -> activation, when that output feeds only the activation;
// - BatchNormalization -> Relu (no other activation), the same way.
// A value that is a graph output, or one `keep` (node, its output) is true for, is never fused away: the
// node writing it stays apart from the activation after it. Returns the number of nodes fused into others.
int fuse_activations(Graph& g, const std::function<bool(const Node&, const std::string&)>& keep = {});

// The `keep` of a selection over `g`'s nodes, the grammar value selections use: "none" (or empty: keep
// nothing, fuse all that fuses), "all" (every value: no fusion), a value's or its node's exact name (that one
// only), else an ECMAScript regex found in either. std::invalid_argument for a malformed regex.
std::function<bool(const Node&, const std::string&)> keep_selected(const std::string& selection,
                                                                   const Graph& g);

// The activation a fused node applies to its result, if any.
std::optional<Activation> fused_activation(const Node& n);

}  // namespace flipguard::model
