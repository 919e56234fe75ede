// Output shapes of the operators that stay for run time, from their inputs' shapes and the graph's
// constants. The constant-folding pass needs them: a Shape node reading a computed value folds once that
// value's shape is known. Only shapes are computed here, never data; each operator's rule comes from a
// ShapeRuleSource (model/shape_rule.hpp).
#pragma once

#include <optional>
#include <vector>

#include "model/graph.hpp"
#include "model/onnx_shape_rules.hpp"
#include "model/shape_rule.hpp"

namespace flipguard::model {

// One entry per output of `n`: its dims, or nothing where they cannot be known (an input of unknown shape, a
// shape operand computed at run time, an operator without a rule in `rules`). `inputs` holds the dims of
// each input ("" inputs: nothing). `batch_widened` is Reshape's leading-1 rule (model/shape_rules.hpp).
// Throws std::invalid_argument when the shapes are inconsistent.
OptionalShapes infer_output_dims(const Node& n, const Graph& g, const OptionalShapes& inputs,
                                 bool batch_widened, const ShapeRuleSource& rules = onnx_shape_rules());

}  // namespace flipguard::model
