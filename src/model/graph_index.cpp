#include "model/graph_index.hpp"

namespace flipguard::model {

GraphIndex::GraphIndex(const Graph& g) : g_(g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs)
      if (!o.empty()) producers_[o] = i;
    for (const auto& in : g.nodes[i].inputs)
      if (!in.empty()) readers_[in].push_back(i);
  }
  for (const auto& o : g.outputs) readers_[o.name].push_back(g.nodes.size());
}

std::optional<size_t> GraphIndex::producer(const std::string& value) const {
  const auto it = producers_.find(value);
  if (it == producers_.end()) return std::nullopt;
  return it->second;
}

const Node* GraphIndex::producer_of_type(const std::string& value, const char* op_type) const {
  const auto i = producer(value);
  if (!i) return nullptr;
  const Node& n = g_.nodes[*i];
  return n.domain.empty() && n.op_type == op_type ? &n : nullptr;
}

int GraphIndex::reader_count(const std::string& value) const {
  const auto it = readers_.find(value);
  return it == readers_.end() ? 0 : static_cast<int>(it->second.size());
}

std::vector<const Node*> GraphIndex::readers(const std::string& value) const {
  std::vector<const Node*> out;
  const auto it = readers_.find(value);
  if (it != readers_.end())
    for (size_t i : it->second)
      if (i < g_.nodes.size()) out.push_back(&g_.nodes[i]);
  return out;
}

const Node* GraphIndex::sole_reader(const std::string& value) const {
  const auto it = readers_.find(value);
  if (it == readers_.end() || it->second.size() != 1 || it->second[0] >= g_.nodes.size()) return nullptr;
  return &g_.nodes[it->second[0]];
}

std::optional<float> GraphIndex::scalar(const std::string& name) const {
  const auto it = g_.constants.find(name);
  if (it == g_.constants.end() || !it->second.is_float() || it->second.floats.size() != 1)
    return std::nullopt;
  return it->second.floats[0];
}

std::optional<std::string> GraphIndex::other_input(const Node& n, const std::string& value) {
  if (n.inputs.size() != 2 || n.inputs[0] == n.inputs[1]) return std::nullopt;
  if (n.inputs[0] == value) return n.inputs[1];
  if (n.inputs[1] == value) return n.inputs[0];
  return std::nullopt;
}

int rewrite_nodes(Graph& g, std::map<size_t, Node>& replacement, const std::vector<bool>& removed) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (const auto it = replacement.find(i); it != replacement.end()) {
      kept.push_back(std::move(it->second));
    } else if (!removed[i]) {
      kept.push_back(std::move(g.nodes[i]));
    }
  }
  g.nodes = std::move(kept);
  return static_cast<int>(replacement.size());
}

}  // namespace flipguard::model
