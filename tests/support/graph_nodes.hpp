// Graph nodes written by hand, for tests of graph passes and of the executor on small graphs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::testing {

// A node of `op` reading `inputs` and writing the one value `output` (named "<output>_node").
inline model::Node node(const std::string& op, std::vector<std::string> inputs, const std::string& output) {
  model::Node n;
  n.name = output + "_node";
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

}  // namespace flipguard::testing
