#include "model/fuse_gelu.hpp"

#include <cmath>
#include <map>

#include "model/graph_index.hpp"

namespace flipguard::model {
namespace {

bool is_op(const Node* n, const char* op_type) {
  return n && n->domain.empty() && n->op_type == op_type;
}

bool near(std::optional<float> v, double want) {
  return v && std::fabs(*v - want) <= 1e-6 * want;
}

// The match: the nodes it replaces, x, and the output.
struct Gelu {
  std::vector<const Node*> nodes;
  std::string x, out;
};

// From the Erf node: its argument is x / sqrt(2) (or x * 1/sqrt(2)); it feeds 1 + erf, and the rest is
// x * (1 + erf) * 0.5 in one of the orders exporters write.
std::optional<Gelu> match(const Node& erf, const GraphIndex& ix) {
  const auto scaled = ix.producer(erf.inputs.at(0));
  if (!scaled) return std::nullopt;
  const Node* div = ix.producer_of_type(erf.inputs[0], "Div");
  const Node* mul = ix.producer_of_type(erf.inputs[0], "Mul");
  Gelu m;
  if (div && div->inputs.size() == 2 && near(ix.scalar(div->inputs[1]), std::sqrt(2.0))) {
    m.x = div->inputs[0];
    m.nodes.push_back(div);
  } else if (mul && mul->inputs.size() == 2) {
    for (int i = 0; i < 2 && m.nodes.empty(); ++i)
      if (near(ix.scalar(mul->inputs[1 - i]), std::sqrt(0.5))) {
        m.x = mul->inputs[i];
        m.nodes.push_back(mul);
      }
  }
  if (m.nodes.empty() || ix.reader_count(m.nodes[0]->outputs[0]) != 1) return std::nullopt;
  m.nodes.push_back(&erf);
  const Node* add = ix.sole_reader(erf.outputs[0]);
  const auto one = add && is_op(add, "Add") ? GraphIndex::other_input(*add, erf.outputs[0]) : std::nullopt;
  if (!one || ix.scalar(*one) != 1.f) return std::nullopt;
  m.nodes.push_back(add);
  const std::string& a = add->outputs[0];  // 1 + erf
  const Node* next = ix.sole_reader(a);
  if (!is_op(next, "Mul")) return std::nullopt;
  const auto other = GraphIndex::other_input(*next, a);
  if (!other) return std::nullopt;
  m.nodes.push_back(next);
  if (*other == m.x) {
    // (x * (1 + erf)) * 0.5
    const Node* half = ix.sole_reader(next->outputs[0]);
    const auto c =
        half && is_op(half, "Mul") ? GraphIndex::other_input(*half, next->outputs[0]) : std::nullopt;
    if (!c || ix.scalar(*c) != 0.5f) return std::nullopt;
    m.nodes.push_back(half);
    m.out = half->outputs[0];
    return m;
  }
  if (ix.scalar(*other) == 0.5f) {
    // x * ((1 + erf) * 0.5)
    const Node* last = ix.sole_reader(next->outputs[0]);
    if (!is_op(last, "Mul") || GraphIndex::other_input(*last, next->outputs[0]) != m.x) return std::nullopt;
    m.nodes.push_back(last);
    m.out = last->outputs[0];
    return m;
  }
  // (x * 0.5) * (1 + erf): the half product is its own node, read only here.
  const Node* half = ix.producer_of_type(*other, "Mul");
  if (!half || ix.reader_count(*other) != 1 || GraphIndex::other_input(*half, m.x).has_value() == false)
    return std::nullopt;
  if (ix.scalar(*GraphIndex::other_input(*half, m.x)) != 0.5f) return std::nullopt;
  m.nodes.push_back(half);
  m.out = next->outputs[0];
  return m;
}

}  // namespace

int fuse_gelu(Graph& g) {
  const GraphIndex index(g);
  std::vector<bool> removed(g.nodes.size(), false);
  std::map<size_t, Node> replacement;  // last node of a match -> the Gelu node
  for (const auto& n : g.nodes) {
    if (!is_op(&n, "Erf") || n.inputs.size() != 1) continue;
    const auto m = match(n, index);
    if (!m) continue;
    bool free = true;
    size_t last = 0;
    for (const Node* p : m->nodes) {
      free = free && !removed[index.index_of(*p)];
      last = std::max(last, index.index_of(*p));
    }
    if (!free) continue;
    for (const Node* p : m->nodes) removed[index.index_of(*p)] = true;
    Node gelu;
    gelu.name = n.name;
    gelu.op_type = kGelu;
    gelu.domain = kInternalDomain;
    gelu.inputs = {m->x};
    gelu.outputs = {m->out};
    replacement[last] = std::move(gelu);
  }
  return rewrite_nodes(g, replacement, removed);
}

}  // namespace flipguard::model
