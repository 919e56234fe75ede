#include "model/shape_inference.hpp"

namespace flipguard::model {

OptionalShapes infer_output_dims(const Node& n, const Graph& g, const OptionalShapes& inputs,
                                 bool batch_widened, const ShapeRuleSource& rules) {
  OptionalShapes out;
  if (!n.outputs.empty())
    if (const ShapeRule* rule = rules.shape_rule(n.domain, n.op_type))
      out = (*rule)(ShapeQuery{n, g, inputs, batch_widened});
  out.resize(n.outputs.size());
  return out;
}

}  // namespace flipguard::model
