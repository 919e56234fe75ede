// Which nodes read each constant tensor: exporters name weights after nothing a person recognises
// (`onnx::Conv_193`), so tools show and select weights by the nodes that use them too.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::model {

// Constant name -> the nodes reading it, in graph order.
std::map<std::string, std::vector<const Node*>> weight_users(const Graph& graph);

}  // namespace flipguard::model
