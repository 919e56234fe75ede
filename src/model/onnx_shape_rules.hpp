// The shape rules of the ONNX operators model knows, one entry per operator type next to its rule: those the
// engine builds and those only the load-time folding meets (a Shape of a Tile's output folds once the Tile's
// shape is known, and the Tile is then gone). Rules handle the operators' opset versions themselves (an
// operand that moved from an attribute to an input, say). An operator outside ONNX (a custom one, a fused
// node) has no entry here: its engine registration carries its rule (engine/op_registry.hpp).
#pragma once

#include "model/shape_rule.hpp"

namespace flipguard::model {

const ShapeRuleSource& onnx_shape_rules();

}  // namespace flipguard::model
