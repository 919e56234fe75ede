// An operator's shape rule: the dims of its outputs from its inputs' dims, its attributes and the graph's
// constants, without any data. Rules are found by (domain, op type) through a ShapeRuleSource, which model
// owns so that shape inference never depends on the engine: model's table of ONNX operators
// (model/onnx_shape_rules.hpp) is one source; the engine's operator registry, which adds the rules of the
// operators it registers, is another.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::model {

// Per input or output of a node: its dims, or nothing where they are unknown.
using OptionalShapes = std::vector<std::optional<Dims>>;

// What a rule reads: the node, the graph (its opset and constants) and the dims of each input ("" inputs:
// nothing). `batch_widened` is Reshape's leading-1 rule (model/shape_rules.hpp).
struct ShapeQuery {
  const Node& n;
  const Graph& g;
  const OptionalShapes& dims;
  bool batch_widened = false;

  bool known(size_t i) const { return i < dims.size() && dims[i].has_value(); }
  const Dims& operator[](size_t i) const { return *dims.at(i); }
  bool present(size_t i) const { return i < n.inputs.size() && !n.inputs[i].empty(); }
  // An integer list given as a constant input (newer opsets) or an attribute (older ones); nothing when the
  // input is computed at run time (model::int_list_operand).
  std::optional<Dims> int_list(size_t input, const char* attr) const;
};

// The dims of the node's outputs, from the first: a shorter list (or none) leaves the rest unknown, as does
// nothing in an entry. Throws std::invalid_argument when the inputs' shapes are inconsistent.
using ShapeRule = std::function<OptionalShapes(const ShapeQuery&)>;

// Rules that many operators share, for any registry line to name.
OptionalShapes same_shape_as_input(const ShapeQuery& in);  // output 0 has input 0's dims
OptionalShapes broadcast_of_inputs(const ShapeQuery& in);  // output 0: numpy broadcasting of every input

// Where shape inference looks an operator's rule up.
class ShapeRuleSource {
 public:
  virtual ~ShapeRuleSource() = default;
  // The rule of (domain, op type), or null when there is none (its outputs' shapes stay unknown).
  virtual const ShapeRule* shape_rule(const std::string& domain, const std::string& op_type) const = 0;
};

}  // namespace flipguard::model
