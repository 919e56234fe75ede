// Element-wise activations as both the graph passes and the engine see them: which function, with its
// parameters decoded once from the ONNX node (attributes, or for Clip since opset 11 its constant inputs).
// The engine maps a description to its own kernels; nothing here depends on it.
#pragma once

#include <optional>
#include <string>

#include "model/graph.hpp"

namespace flipguard::model {

// GeluErf is the exact GELU, x * (1 + erf(x / sqrt(2))) / 2, and GeluTanh its tanh approximation: only
// fuse_gelu writes them (internal nodes); Silu is x * sigmoid(x), written by fuse_silu (an internal node
// too).
enum class ActivationKind {
  Relu,
  LeakyRelu,
  Sigmoid,
  Tanh,
  HardSwish,
  Elu,
  Exp,
  Abs,
  Sqrt,
  Neg,
  Clip,
  GeluErf,
  GeluTanh,
  Silu
};

struct Activation {
  ActivationKind kind;
  float alpha = 0.f;  // LeakyRelu's slope, Elu's alpha, Clip's lower bound
  float beta = 0.f;   // Clip's upper bound
};

// The activation an ONNX node computes, or nothing for other operators. Throws std::runtime_error naming the
// node when a Clip's bounds are not constant scalars (the engine needs them at build time).
std::optional<Activation> activation_of(const Node& n, const Graph& g);

// The ONNX operator of an activation ("Relu", "Clip", ...), and back.
std::string op_type_of(ActivationKind kind);
std::optional<ActivationKind> activation_kind(const std::string& op_type);

}  // namespace flipguard::model
