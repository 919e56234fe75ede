#include "model/fold_pad.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "model/graph_index.hpp"

namespace flipguard::model {
namespace {

// The spatial pads {h_begin, w_begin, h_end, w_end} of a zero constant Pad of a 4-D tensor, if it is one.
std::optional<std::vector<std::int64_t>> zero_spatial_pads(const Graph& g, const Node& pad) {
  if (!pad.domain.empty() || pad.op_type != "Pad" || pad.outputs.size() != 1) return std::nullopt;
  if (pad.get_string("mode", "constant") != "constant") return std::nullopt;
  std::vector<std::int64_t> pads;
  if (g.opset >= 11) {
    if (pad.inputs.size() < 2 || !g.is_constant(pad.inputs[1])) return std::nullopt;
    pads = g.constants.at(pad.inputs[1]).ints;
    if (pad.inputs.size() > 2 && !pad.inputs[2].empty()) {
      const auto it = g.constants.find(pad.inputs[2]);
      if (it == g.constants.end()) return std::nullopt;
      const auto& c = it->second;
      const bool zero = c.floats.empty() ? (c.ints.size() == 1 && c.ints[0] == 0)
                                         : (c.floats.size() == 1 && c.floats[0] == 0.f);
      if (!zero) return std::nullopt;
    }
    if (pad.inputs.size() > 3 && !pad.inputs[3].empty()) return std::nullopt;  // axes
  } else {
    pads = pad.get_ints("pads");
    if (pad.get_float("value", 0.f) != 0.f) return std::nullopt;
  }
  if (pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5]) return std::nullopt;
  if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; })) return std::nullopt;
  return std::vector<std::int64_t>{pads[2], pads[3], pads[6], pads[7]};
}

bool has_own_padding(const Node& n) {
  const auto pads = n.get_ints("pads");
  const bool padded = std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p != 0; });
  return padded || n.get_string("auto_pad", "NOTSET") != "NOTSET";
}

}  // namespace

int fold_pad(Graph& g) {
  const GraphIndex index(g);
  std::map<size_t, Node> replacement;
  std::vector<bool> removed(g.nodes.size(), false);
  for (const auto& pad : g.nodes) {
    const auto pads = zero_spatial_pads(g, pad);
    if (!pads) continue;
    const Node* reader = index.sole_reader(pad.outputs[0]);
    if (!reader || !reader->domain.empty() || reader->inputs.empty() || reader->inputs[0] != pad.outputs[0])
      continue;
    const bool pool = reader->op_type == "AveragePool";
    if (!(pool || reader->op_type == "Conv") || has_own_padding(*reader)) continue;
    if (pool && reader->get_int("ceil_mode", 0) != 0) continue;
    Node folded = *reader;
    folded.inputs[0] = pad.inputs.at(0);
    folded.attributes["pads"] = *pads;
    folded.attributes.erase("auto_pad");
    if (pool) folded.attributes["count_include_pad"] = std::int64_t{1};
    removed[index.index_of(pad)] = true;
    replacement[index.index_of(*reader)] = std::move(folded);
  }
  if (replacement.empty()) return 0;
  return rewrite_nodes(g, replacement, removed);
}

}  // namespace flipguard::model
