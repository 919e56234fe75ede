#include "model/activation.hpp"

#include <cfloat>
#include <stdexcept>
#include <utility>

namespace flipguard::model {
namespace {

constexpr std::pair<ActivationKind, const char*> kOpTypes[] = {
    {ActivationKind::Relu, "Relu"},
    {ActivationKind::LeakyRelu, "LeakyRelu"},
    {ActivationKind::Sigmoid, "Sigmoid"},
    {ActivationKind::Tanh, "Tanh"},
    {ActivationKind::HardSwish, "HardSwish"},
    {ActivationKind::Elu, "Elu"},
    {ActivationKind::Exp, "Exp"},
    {ActivationKind::Abs, "Abs"},
    {ActivationKind::Sqrt, "Sqrt"},
    {ActivationKind::Neg, "Neg"},
    {ActivationKind::Clip, "Clip"},
    {ActivationKind::GeluErf, "Gelu"},
    {ActivationKind::GeluTanh, "GeluTanh"},
    {ActivationKind::Silu, "Silu"},
};

// Clip's bounds: attributes before opset 11, optional constant scalar inputs since.
Activation clip_of(const Node& n, const Graph& g) {
  float lo = -FLT_MAX, hi = FLT_MAX;
  if (g.opset < 11) {
    lo = n.get_float("min", lo);
    hi = n.get_float("max", hi);
  } else {
    for (size_t i = 1; i < 3 && i < n.inputs.size(); ++i) {
      if (n.inputs[i].empty()) continue;
      const auto it = g.constants.find(n.inputs[i]);
      if (it == g.constants.end())
        throw std::runtime_error(g.source + ": " + n.describe() + ": input '" + n.inputs[i] +
                                 "' must be a constant (initializer) for this engine, but is computed");
      if (it->second.floats.size() != 1)
        throw std::runtime_error(g.source + ": " + n.describe() + ": min/max must be scalars");
      (i == 1 ? lo : hi) = it->second.floats[0];
    }
  }
  return {ActivationKind::Clip, lo, hi};
}

}  // namespace

std::optional<Activation> activation_of(const Node& n, const Graph& g) {
  const auto kind = activation_kind(n.op_type);
  // ONNX activations are in the default domain; the GELU and SiLU nodes only in flipguard's (fuse_gelu,
  // fuse_silu).
  const bool internal =
      kind == ActivationKind::GeluErf || kind == ActivationKind::GeluTanh || kind == ActivationKind::Silu;
  if (!kind || n.domain != (internal ? kInternalDomain : "")) return std::nullopt;
  switch (*kind) {
    case ActivationKind::LeakyRelu:
      return Activation{*kind, n.get_float("alpha", 0.01f)};
    case ActivationKind::Elu:
      return Activation{*kind, n.get_float("alpha", 1.0f)};
    case ActivationKind::Clip:
      return clip_of(n, g);
    default:
      return Activation{*kind};
  }
}

std::string op_type_of(ActivationKind kind) {
  for (const auto& [k, op] : kOpTypes)
    if (k == kind) return op;
  throw std::logic_error("op_type_of: unknown activation");
}

std::optional<ActivationKind> activation_kind(const std::string& op_type) {
  for (const auto& [k, op] : kOpTypes)
    if (op == op_type) return k;
  return std::nullopt;
}

}  // namespace flipguard::model
