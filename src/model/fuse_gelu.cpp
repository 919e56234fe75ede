#include "model/fuse_gelu.hpp"

#include <cmath>
#include <map>
#include <numbers>

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

// x * (1 + inner) * 0.5 in one of the orders exporters write, from the node computing `inner` (Erf or Tanh),
// appended to `m` (which has x and the nodes before it).
std::optional<Gelu> match_tail(const Node& inner, Gelu m, const GraphIndex& ix) {
  const Node* add = ix.sole_reader(inner.outputs.at(0));
  const auto one = add && is_op(add, "Add") ? GraphIndex::other_input(*add, inner.outputs[0]) : std::nullopt;
  if (!one || ix.scalar(*one) != 1.f) return std::nullopt;
  m.nodes.push_back(add);
  const std::string& a = add->outputs[0];  // 1 + inner
  const Node* next = ix.sole_reader(a);
  if (!is_op(next, "Mul")) return std::nullopt;
  const auto other = GraphIndex::other_input(*next, a);
  if (!other) return std::nullopt;
  m.nodes.push_back(next);
  if (*other == m.x) {
    // (x * (1 + inner)) * 0.5
    const Node* half = ix.sole_reader(next->outputs[0]);
    const auto c =
        half && is_op(half, "Mul") ? GraphIndex::other_input(*half, next->outputs[0]) : std::nullopt;
    if (!c || ix.scalar(*c) != 0.5f) return std::nullopt;
    m.nodes.push_back(half);
    m.out = half->outputs[0];
    return m;
  }
  if (ix.scalar(*other) == 0.5f) {
    // x * ((1 + inner) * 0.5)
    const Node* last = ix.sole_reader(next->outputs[0]);
    if (!is_op(last, "Mul") || GraphIndex::other_input(*last, next->outputs[0]) != m.x) return std::nullopt;
    m.nodes.push_back(last);
    m.out = last->outputs[0];
    return m;
  }
  // (x * 0.5) * (1 + inner): the half product is its own node, read only here.
  const Node* half = ix.producer_of_type(*other, "Mul");
  if (!half || ix.reader_count(*other) != 1 || GraphIndex::other_input(*half, m.x).has_value() == false)
    return std::nullopt;
  if (ix.scalar(*GraphIndex::other_input(*half, m.x)) != 0.5f) return std::nullopt;
  m.nodes.push_back(half);
  m.out = next->outputs[0];
  return m;
}

// From the Erf node: its argument is x / sqrt(2) (or x * 1/sqrt(2)).
std::optional<Gelu> match_erf(const Node& erf, const GraphIndex& ix) {
  const Node* div = ix.producer_of_type(erf.inputs.at(0), "Div");
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
  return match_tail(erf, std::move(m), ix);
}

// The node computing `value` from `x` as Mul(value's other factor, constant c), with the constant near `c`:
// the other factor, or nothing.
std::optional<std::string> scaled_by(const std::string& value, double c, const GraphIndex& ix, Gelu& m) {
  const Node* mul = ix.producer_of_type(value, "Mul");
  if (!mul || mul->inputs.size() != 2 || ix.reader_count(value) != 1) return std::nullopt;
  for (int i = 0; i < 2; ++i)
    if (near(ix.scalar(mul->inputs[static_cast<size_t>(1 - i)]), c)) {
      m.nodes.push_back(mul);
      return mul->inputs[static_cast<size_t>(i)];
    }
  return std::nullopt;
}

// x^3 in `value`: Pow(x, 3) or x * (x * x) in either order. Appends its nodes to `m`.
bool is_cube(const std::string& value, const std::string& x, const GraphIndex& ix, Gelu& m) {
  if (ix.reader_count(value) != 1) return false;
  if (const Node* pow = ix.producer_of_type(value, "Pow")) {
    if (pow->inputs.size() != 2 || pow->inputs[0] != x || ix.scalar(pow->inputs[1]) != 3.f) return false;
    m.nodes.push_back(pow);
    return true;
  }
  const Node* outer = ix.producer_of_type(value, "Mul");
  const auto square = outer ? GraphIndex::other_input(*outer, x) : std::nullopt;
  const Node* inner = square ? ix.producer_of_type(*square, "Mul") : nullptr;
  if (!inner || ix.reader_count(*square) != 1 || inner->inputs.size() != 2 || inner->inputs[0] != x ||
      inner->inputs[1] != x)
    return false;
  m.nodes.push_back(inner);
  m.nodes.push_back(outer);
  return true;
}

// From the Tanh node: its argument is sqrt(2/pi) * (x + 0.044715 * x^3).
std::optional<Gelu> match_tanh(const Node& tanh, const GraphIndex& ix) {
  Gelu m;
  const auto sum = scaled_by(tanh.inputs.at(0), std::sqrt(2.0 / std::numbers::pi), ix, m);
  const Node* add = sum ? ix.producer_of_type(*sum, "Add") : nullptr;
  if (!add || add->inputs.size() != 2 || ix.reader_count(*sum) != 1) return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    Gelu t = m;
    const std::string& x = add->inputs[static_cast<size_t>(i)];
    const auto cube = scaled_by(add->inputs[static_cast<size_t>(1 - i)], 0.044715, ix, t);
    if (!cube || !is_cube(*cube, x, ix, t)) continue;
    t.x = x;
    t.nodes.push_back(add);
    t.nodes.push_back(&tanh);
    return match_tail(tanh, std::move(t), ix);
  }
  return std::nullopt;
}

}  // namespace

int fuse_gelu(Graph& g) {
  const GraphIndex index(g);
  std::vector<bool> removed(g.nodes.size(), false);
  std::map<size_t, Node> replacement;  // last node of a match -> the Gelu node
  for (const auto& n : g.nodes) {
    const bool erf = is_op(&n, "Erf"), tanh = is_op(&n, "Tanh");
    if (!(erf || tanh) || n.inputs.size() != 1) continue;
    const auto m = erf ? match_erf(n, index) : match_tanh(n, index);
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
    gelu.op_type = erf ? kGelu : kGeluTanh;
    gelu.domain = kInternalDomain;
    gelu.inputs = {m->x};
    gelu.outputs = {m->out};
    replacement[last] = std::move(gelu);
  }
  return rewrite_nodes(g, replacement, removed);
}

}  // namespace flipguard::model
