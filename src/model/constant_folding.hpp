// Resolves at load time everything a model computes from constants and static shapes. With the input's shape
// fixed (the batch set by the executor), Shape of any value whose shape is known is a constant, and so is
// every node whose inputs all are: the shape arithmetic exporters write around Reshape/Expand/Slice, masks
// built from Range/Equal/Where/ScatterND, casts of constants. Those nodes are evaluated once by the plain C++
// kernels of model/constant_kernels.hpp and replaced by their results; only the network's own work remains
// for the engine.
#pragma once

#include <map>
#include <string>

#include "model/graph.hpp"
#include "model/onnx_shape_rules.hpp"
#include "model/shape_rule.hpp"

namespace flipguard::model {

struct FoldResult {
  int folded = 0;            // nodes replaced by constants
  int pruned_constants = 0;  // constants no remaining node reads
};

// `input_dims` gives the run-time shape of graph inputs (by name); inputs not listed have unknown shapes.
// A Gather from a float table (rank >= 2) stays a node even with constant indices: embedding tables and
// relative-position tables are stored weights. A Transpose of a float constant is recorded in
// Graph::transposed (its source may be read elsewhere: a tied LM head). Errors in evaluating constants name
// the file and the node. The shapes of run-time values follow from `rules` (the engine passes its operator
// registry, which knows the shapes of the operators it registers besides ONNX's).
FoldResult fold_constants(Graph& g, const std::map<std::string, Dims>& input_dims,
                          const ShapeRuleSource& rules = onnx_shape_rules());

}  // namespace flipguard::model
