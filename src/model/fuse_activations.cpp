#include "model/fuse_activations.hpp"

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::model {
namespace {

class Fuser {
 public:
  Fuser(Graph& g, const std::function<bool(const Node&, const std::string&)>& keep)
      : g_(g), absorbed_(g.nodes.size(), false) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const auto& in : g.nodes[i].inputs)
        if (!in.empty()) readers_[in].push_back(i);
    // A graph output, or a value to keep, has a reader outside the graph's nodes: never fused away.
    for (const auto& o : g.outputs) readers_[o.name].push_back(g.nodes.size());
    if (keep)
      for (const auto& n : g.nodes)
        for (const auto& o : n.outputs)
          if (!o.empty() && keep(n, o)) readers_[o].push_back(g.nodes.size());
    for (const auto& in : g.inputs) computed_.insert(in.name);
  }

  int run() {
    int fused = 0;
    std::vector<Node> kept;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (absorbed_[i]) {
        ++fused;
        continue;
      }
      Node& n = g_.nodes[i];
      if (n.domain.empty() && n.op_type == "Conv") fuse_conv(n);
      if (n.domain.empty() && n.op_type == "Gemm") fuse_gemm(n);
      if (n.domain.empty() && n.op_type == "MatMul") fuse_matmul(n);
      if (n.domain.empty() && n.op_type == "BatchNormalization") fuse_batchnorm(n);
      for (const auto& o : n.outputs)
        if (!o.empty()) computed_.insert(o);
      kept.push_back(std::move(n));
    }
    g_.nodes = std::move(kept);
    return fused;
  }

 private:
  // The one node reading `value`, if exactly one reads it (once) and it is not a graph output.
  Node* sole_reader(const std::string& value) {
    const auto it = readers_.find(value);
    if (it == readers_.end() || it->second.size() != 1 || it->second[0] >= g_.nodes.size()) return nullptr;
    return &g_.nodes[it->second[0]];
  }

  void absorb(const Node& n) { absorbed_[static_cast<size_t>(&n - g_.nodes.data())] = true; }

  // The residual Add after a Conv whose output is `out`: its other input, if it can be the addend.
  std::optional<std::string> residual_addend(const Node& add, const std::string& out) const {
    if (!add.domain.empty() || add.op_type != "Add" || add.inputs.size() != 2 ||
        add.inputs[0] == add.inputs[1])
      return std::nullopt;
    const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
    if (!computed_.count(other) || g_.is_constant(other)) return std::nullopt;
    return other;
  }

  // Absorbs the activation reading `out`, if it is its sole reader; updates `out` to the activation's output.
  std::optional<Activation> absorb_activation(std::string& out) {
    Node* next = sole_reader(out);
    if (!next) return std::nullopt;
    auto act = activation_of(*next, g_);
    if (act) {
      absorb(*next);
      out = next->outputs.at(0);
    }
    return act;
  }

  void fuse_conv(Node& conv) {
    std::string out = conv.outputs.at(0);
    std::optional<std::string> addend;
    if (Node* next = sole_reader(out)) {
      addend = residual_addend(*next, out);
      if (addend) {
        absorb(*next);
        out = next->outputs.at(0);
      }
    }
    const auto act = absorb_activation(out);
    if (!addend && !act) return;
    if (addend) {
      conv.inputs.resize(3);  // Z follows the optional bias
      conv.inputs.push_back(*addend);
    }
    rewrite(conv, kFusedConv, out, act);
  }

  void fuse_batchnorm(Node& bn) {
    std::string out = bn.outputs.at(0);
    if (bn.outputs.size() > 1) return;  // training-mode outputs: the engine rejects those with a clear error
    Node* next = sole_reader(out);
    if (!next) return;
    const auto act = activation_of(*next, g_);
    if (!act || act->kind != ActivationKind::Relu || act->alpha != 0.f) return;
    absorb(*next);
    rewrite(bn, kFusedBatchNorm, next->outputs.at(0), act);
  }

  void fuse_gemm(Node& gemm) {
    std::string out = gemm.outputs.at(0);
    if (const auto act = absorb_activation(out)) rewrite(gemm, kFusedGemm, out, act);
  }

  // A constant bias for a MatMul with `columns` output columns: [columns], or with leading 1s.
  bool is_column_bias(const std::string& name, std::int64_t columns) const {
    const auto it = g_.constants.find(name);
    if (it == g_.constants.end() || !it->second.is_float() || it->second.dims.empty()) return false;
    const Dims& d = it->second.dims;
    for (size_t i = 0; i + 1 < d.size(); ++i)
      if (d[i] != 1) return false;
    return d.back() == columns;
  }

  // A batched product (attention's scores) scaled by a constant: Div(product, s) or Mul(product, s).
  void fuse_scaled_matmul(Node& mm) {
    const std::string& out = mm.outputs.at(0);
    Node* next = sole_reader(out);
    if (!next || !next->domain.empty() || next->inputs.size() != 2 || next->inputs[0] == next->inputs[1] ||
        (next->op_type != "Div" && next->op_type != "Mul"))
      return;
    const std::string& other = next->inputs[0] == out ? next->inputs[1] : next->inputs[0];
    if (next->op_type == "Div" && next->inputs[0] != out) return;  // s / product is no scale
    const auto c = g_.constants.find(other);
    if (c == g_.constants.end() || !c->second.is_float() || c->second.floats.size() != 1) return;
    absorb(*next);
    mm.attributes["scale_op"] = next->op_type;
    mm.attributes["scale"] = c->second.floats[0];
    rewrite(mm, kFusedMatMul, next->outputs.at(0), std::nullopt);
  }

  void fuse_matmul(Node& mm) {
    if (mm.inputs.size() != 2) return;
    const auto b = g_.constants.find(mm.inputs[1]);
    if (b == g_.constants.end() || b->second.dims.size() != 2 || !b->second.is_float()) {
      if (b == g_.constants.end()) fuse_scaled_matmul(mm);
      return;
    }
    std::string out = mm.outputs.at(0);
    std::string bias;
    if (Node* next = sole_reader(out); next && next->domain.empty() && next->op_type == "Add") {
      const auto& in = next->inputs;
      const std::string other = in.size() == 2 && in[0] != in[1] ? (in[0] == out ? in[1] : in[0]) : "";
      if (!other.empty() && is_column_bias(other, b->second.dims[1])) {
        bias = other;
        absorb(*next);
        out = next->outputs.at(0);
      }
    }
    std::optional<std::string> addend;
    if (Node* next = sole_reader(out)) {
      addend = residual_addend(*next, out);
      if (addend) {
        absorb(*next);
        out = next->outputs.at(0);
      }
    }
    const auto act = absorb_activation(out);
    if (bias.empty() && !addend && !act) return;
    mm.inputs.push_back(bias);
    if (addend) mm.inputs.push_back(*addend);
    rewrite(mm, kFusedMatMul, out, act);
  }

  static void rewrite(Node& n, const char* op_type, const std::string& out,
                      const std::optional<Activation>& act) {
    n.domain = kInternalDomain;
    n.op_type = op_type;
    n.outputs = {out};
    if (act) {
      n.attributes["activation"] = op_type_of(act->kind);
      n.attributes["activation_params"] = std::vector<float>{act->alpha, act->beta};
    }
  }

  Graph& g_;
  std::map<std::string, std::vector<size_t>>
      readers_;                     // value -> reading nodes (graph outputs: nodes.size())
  std::set<std::string> computed_;  // values a node before the current one produces, and the graph inputs
  std::vector<bool> absorbed_;
};

}  // namespace

int fuse_activations(Graph& g, const std::function<bool(const Node&, const std::string&)>& keep) {
  return Fuser(g, keep).run();
}

std::function<bool(const Node&, const std::string&)> keep_selected(const std::string& selection,
                                                                   const Graph& g) {
  if (selection.empty() || selection == "none") return {};
  if (selection == "all") return [](const Node&, const std::string&) { return true; };
  const auto exact = [selection](const Node& n, const std::string& value) {
    return value == selection || n.name == selection;
  };
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs)
      if (exact(n, o)) return exact;
  std::regex pattern;
  try {
    pattern = std::regex(selection, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("'" + selection +
                                "' is neither a value's name nor a valid regex: " + e.what());
  }
  return [pattern](const Node& n, const std::string& value) {
    return std::regex_search(value, pattern) || std::regex_search(n.name, pattern);
  };
}

std::optional<Activation> fused_activation(const Node& n) {
  const auto op = n.attributes.find("activation");
  if (op == n.attributes.end()) return std::nullopt;
  const auto* name = std::get_if<std::string>(&op->second);
  const auto kind = name ? activation_kind(*name) : std::nullopt;
  const auto params = n.attributes.find("activation_params");
  const auto* ab = params == n.attributes.end() ? nullptr : std::get_if<std::vector<float>>(&params->second);
  if (!kind || !ab || ab->size() != 2)
    throw std::logic_error(n.describe() + ": malformed fused activation attributes");
  return Activation{*kind, (*ab)[0], (*ab)[1]};
}

}  // namespace flipguard::model
