#include "model/fuse_silu.hpp"

#include <map>

#include "model/graph_index.hpp"

namespace flipguard::model {

int fuse_silu(Graph& g) {
  const GraphIndex index(g);
  std::map<size_t, Node> replacement;  // the Mul's position -> the Silu node
  std::vector<bool> removed(g.nodes.size(), false);
  for (const auto& n : g.nodes) {
    if (!n.domain.empty() || n.op_type != "Sigmoid" || n.inputs.size() != 1 || n.outputs.size() != 1)
      continue;
    const std::string& x = n.inputs[0];
    const Node* mul = index.sole_reader(n.outputs[0]);  // sigmoid(x) read by the Mul only, once
    if (!mul || !mul->domain.empty() || mul->op_type != "Mul" || mul->inputs.size() != 2) continue;
    if (GraphIndex::other_input(*mul, n.outputs[0]) != x) continue;
    removed[index.index_of(n)] = true;
    Node silu;
    silu.name = mul->name;
    silu.op_type = kSilu;
    silu.domain = kInternalDomain;
    silu.inputs = {x};
    silu.outputs = mul->outputs;
    replacement[index.index_of(*mul)] = std::move(silu);
  }
  if (replacement.empty()) return 0;
  return rewrite_nodes(g, replacement, removed);
}

}  // namespace flipguard::model
