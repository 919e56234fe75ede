#include "model/fuse_layernorm.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "model/graph_index.hpp"

namespace flipguard::model {
namespace {

// The normalized axes of a ReduceMean as k for axes [-k, ..., -1] (keepdims), or 0 when they are not such a
// suffix (positive axes would need the rank, which this pass does not know).
int suffix_axes(const Node& mean) {
  if (mean.get_int("keepdims", 1) != 1 || mean.inputs.size() != 1) return 0;
  Dims axes = mean.get_ints("axes");
  std::sort(axes.begin(), axes.end());
  const auto k = static_cast<std::int64_t>(axes.size());
  for (std::int64_t i = 0; i < k; ++i)
    if (axes[static_cast<size_t>(i)] != i - k) return 0;
  return static_cast<int>(k);
}

bool is_op(const Node* n, const char* op_type) {
  return n && n->domain.empty() && n->op_type == op_type;
}

// A constant gamma/beta that varies only along the normalized axes: its dims, leading 1s dropped, span at
// most the last k axes.
bool is_affine_operand(const Graph& g, const std::string& name, int k) {
  const auto it = g.constants.find(name);
  if (it == g.constants.end() || !it->second.is_float()) return false;
  const Dims& d = it->second.dims;
  size_t leading = 0;
  while (leading < d.size() && d[leading] == 1) ++leading;
  return static_cast<int>(d.size() - leading) <= k;
}

class LayerNormMatch {
 public:
  LayerNormMatch(const Graph& g, const GraphIndex& index) : g_(g), ix_(index) {}

  // Matches the pattern starting at ReduceMean `mean`; fills the fused node and the nodes it replaces.
  bool match(const Node& mean) {
    nodes_.clear();
    const int k = suffix_axes(mean);
    if (k == 0) return false;
    const std::string& x = mean.inputs[0];
    const Node* sub = ix_.sole_reader(mean.outputs[0]);
    if (!is_op(sub, "Sub") || sub->inputs.size() != 2 || sub->inputs[0] != x ||
        sub->inputs[1] != mean.outputs[0])
      return false;
    const std::string& d = sub->outputs[0];
    const auto readers = ix_.readers(d);
    if (readers.size() != 3 && readers.size() != 2) return false;  // the square (Mul reads d twice) and Div
    const Node *square = nullptr, *div = nullptr;
    for (const Node* r : readers) (is_op(r, "Div") ? div : square) = r;
    if (!square || !div || ix_.reader_count(d) != static_cast<int>(readers.size())) return false;
    const bool pow2 = is_op(square, "Pow") && square->inputs.size() == 2 && square->inputs[0] == d &&
                      ix_.scalar(square->inputs[1]) == 2.f;
    const bool mul_self = is_op(square, "Mul") && square->inputs.size() == 2 && square->inputs[0] == d &&
                          square->inputs[1] == d;
    if (!(pow2 && readers.size() == 2) && !(mul_self && readers.size() == 3)) return false;
    const Node* var = ix_.sole_reader(square->outputs[0]);
    if (!is_op(var, "ReduceMean") || suffix_axes(*var) != k) return false;
    const Node* add_eps = ix_.sole_reader(var->outputs[0]);
    if (!is_op(add_eps, "Add")) return false;
    const auto eps_name = GraphIndex::other_input(*add_eps, var->outputs[0]);
    const auto eps = eps_name ? ix_.scalar(*eps_name) : std::nullopt;
    if (!eps) return false;
    const Node* sqrt = ix_.sole_reader(add_eps->outputs[0]);
    if (!is_op(sqrt, "Sqrt") || ix_.sole_reader(sqrt->outputs[0]) != div) return false;
    if (div->inputs.size() != 2 || div->inputs[0] != d || div->inputs[1] != sqrt->outputs[0]) return false;
    nodes_ = {&mean, sub, square, var, add_eps, sqrt, div};
    std::string out = div->outputs[0], gamma, beta;
    if (const Node* mul = ix_.sole_reader(out); is_op(mul, "Mul")) {
      const auto other = GraphIndex::other_input(*mul, out);
      if (other && is_affine_operand(g_, *other, k)) {
        gamma = *other;
        out = mul->outputs[0];
        nodes_.push_back(mul);
      }
    }
    if (const Node* add = ix_.sole_reader(out); is_op(add, "Add")) {
      const auto other = GraphIndex::other_input(*add, out);
      if (other && is_affine_operand(g_, *other, k)) {
        beta = *other;
        out = add->outputs[0];
        nodes_.push_back(add);
      }
    }
    fused_ = Node{};
    fused_.name = mean.name;
    fused_.op_type = kLayerNorm;
    fused_.domain = kInternalDomain;
    fused_.inputs = {x, gamma, beta};
    fused_.outputs = {out};
    fused_.attributes["axis"] = static_cast<std::int64_t>(-k);
    fused_.attributes["epsilon"] = *eps;
    return true;
  }

  const std::vector<const Node*>& nodes() const { return nodes_; }
  Node& fused() { return fused_; }

 private:
  const Graph& g_;
  const GraphIndex& ix_;
  std::vector<const Node*> nodes_;
  Node fused_;
};

}  // namespace

int fuse_layernorm(Graph& g) {
  const GraphIndex index(g);
  LayerNormMatch match(g, index);
  std::vector<bool> removed(g.nodes.size(), false);
  std::map<size_t, Node> replacement;  // last node of a match -> the fused node
  int fused = 0;
  for (const auto& n : g.nodes) {
    if (!is_op(&n, "ReduceMean") || removed[index.index_of(n)] || !match.match(n)) continue;
    bool free = true;
    for (const Node* m : match.nodes()) free = free && !removed[index.index_of(*m)];
    if (!free) continue;
    size_t last = 0;
    for (const Node* m : match.nodes()) {
      removed[index.index_of(*m)] = true;
      last = std::max(last, index.index_of(*m));
    }
    replacement[last] = std::move(match.fused());
    ++fused;
  }
  if (fused == 0) return 0;
  rewrite_nodes(g, replacement, removed);
  return fused;
}

}  // namespace flipguard::model
