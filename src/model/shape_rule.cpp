#include "model/shape_rule.hpp"

#include "model/shape_rules.hpp"

namespace flipguard::model {

std::optional<Dims> ShapeQuery::int_list(size_t input, const char* attr) const {
  return int_list_operand(n, g, input, attr);
}

OptionalShapes same_shape_as_input(const ShapeQuery& in) {
  if (!in.known(0)) return {};
  return {in[0]};
}

OptionalShapes broadcast_of_inputs(const ShapeQuery& in) {
  Dims out;
  for (size_t i = 0; i < in.n.inputs.size(); ++i) {
    if (!in.known(i)) return {};
    out = i == 0 ? in[0] : broadcast_dims(out, in[i]);
  }
  return {out};
}

}  // namespace flipguard::model
