// Operators evaluated at load time on constant tensors, in plain C++ over int64 and float data. With the
// input shape fixed at load (the batch included), the shape computations exporters write (Shape -> Gather
// -> Concat -> Reshape, masks built with Range/Equal/Where/ScatterND, ...) fold into constants, so only the
// network's own work reaches the engine (model/constant_folding.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::model {

// Evaluates `n` on its inputs (nullptr for an omitted optional input) and returns one Constant per output.
// Throws std::invalid_argument describing the problem.
using ConstantKernel = std::vector<Constant> (*)(const Node& n, const std::vector<const Constant*>& inputs,
                                                 std::int64_t opset);

// The kernel of an ONNX operator (default domain), or nullptr when it cannot run at load time.
ConstantKernel constant_kernel(const std::string& op_type);

}  // namespace flipguard::model
