#include "model/weight_users.hpp"

#include <algorithm>

namespace flipguard::model {

std::map<std::string, std::vector<const Node*>> weight_users(const Graph& graph) {
  std::map<std::string, std::vector<const Node*>> users;
  for (const auto& node : graph.nodes)
    for (const auto& in : node.inputs) {
      if (in.empty() || !graph.is_constant(in)) continue;
      auto& list = users[in];
      if (std::find(list.begin(), list.end(), &node) == list.end()) list.push_back(&node);
    }
  return users;
}

}  // namespace flipguard::model
