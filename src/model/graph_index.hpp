// Who produces and who reads each value of a graph, for the pattern-matching passes (layer normalization,
// GELU). Built once per pass over the graph as it is; the pass rewrites the graph afterwards.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::model {

class GraphIndex {
 public:
  explicit GraphIndex(const Graph& g);

  // Index of the node producing `value`, if a node does.
  std::optional<size_t> producer(const std::string& value) const;
  // The producing node if it is `op_type` in the default domain.
  const Node* producer_of_type(const std::string& value, const char* op_type) const;
  // Readers of `value` (nodes, each once per input slot; a graph output counts as one reader).
  int reader_count(const std::string& value) const;
  // The nodes reading `value` (a node reading it twice appears twice; graph outputs are not nodes).
  std::vector<const Node*> readers(const std::string& value) const;
  // The one node reading `value` (once), if nothing else reads it and it is not a graph output.
  const Node* sole_reader(const std::string& value) const;
  size_t index_of(const Node& n) const { return static_cast<size_t>(&n - g_.nodes.data()); }

  // The value of a one-element float constant.
  std::optional<float> scalar(const std::string& name) const;
  // The input of a two-input node that is not `value` (nothing if both are, or it has no such input).
  static std::optional<std::string> other_input(const Node& n, const std::string& value);

 private:
  const Graph& g_;
  std::map<std::string, size_t> producers_;
  std::map<std::string, std::vector<size_t>> readers_;  // graph outputs: nodes.size()
};

// A pattern pass's rewrite: node i becomes replacement[i] where there is one, else is dropped where
// removed[i], else stays; the order of the rest is kept. Returns how many nodes were replaced.
int rewrite_nodes(Graph& g, std::map<size_t, Node>& replacement, const std::vector<bool>& removed);

}  // namespace flipguard::model
