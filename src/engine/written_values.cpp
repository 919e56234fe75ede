#include "engine/written_values.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace flipguard::engine {
namespace {

std::string node_label(const model::Node& n, size_t index) {
  return n.name.empty() ? n.op_type + " #" + std::to_string(index) : n.name;
}

}  // namespace

std::vector<WrittenSite> find_written_values(const Network& net, const model::Graph& built,
                                             const std::vector<model::Node>& onnx_nodes, int batch) {
  std::set<std::string> node_outputs;  // values of the graph, as opposed to the engine's own copies
  for (const auto& n : built.nodes)
    for (const auto& o : n.outputs) node_outputs.insert(o);
  std::map<std::string, size_t> producer;  // value -> its node in Executor::graph()
  for (size_t i = 0; i < onnx_nodes.size(); ++i)
    for (const auto& o : onnx_nodes[i].outputs) producer[o] = i;
  std::set<int> input_views;
  for (const auto& [id, offset] : net.input_views) input_views.insert(id);
  // The cuts (Executor::cut_points): the first layer of each node.
  std::vector<int> cuts;
  for (size_t k = 0; k < net.layer_nodes.size(); ++k)
    if (k == 0 || net.layer_nodes[k] != net.layer_nodes[k - 1]) cuts.push_back(static_cast<int>(k));

  std::map<std::string, WrittenSite> by_name;  // a name defined twice: the later value is the one read
  for (int id = 0; id < static_cast<int>(net.values.size()); ++id) {
    const Value& v = net.values[static_cast<size_t>(id)];
    if (v.buffer < 0 || v.defined_at < 0 || input_views.count(id) || !node_outputs.count(v.name)) continue;
    if (v.md.data_type() != dnnl::memory::data_type::f32 || v.dims.empty() || v.dims[0] != batch) continue;
    const auto& nodes = net.layer_nodes;
    const int ready =
        static_cast<int>(std::upper_bound(nodes.begin(), nodes.end(), v.defined_at) - nodes.begin());
    if (ready == 0) continue;  // no layer has written it
    WrittenSite site;
    site.id = id;
    site.ready = ready;
    site.value.name = v.name;
    site.value.dims = v.dims;
    // The last cut before `ready`: the prefix up to it does not write the value's last share.
    site.value.cut = *std::prev(std::lower_bound(cuts.begin(), cuts.end(), ready));
    if (const auto p = producer.find(v.name); p != producer.end()) {
      site.value.node = node_label(onnx_nodes[p->second], p->second);
      site.value.op = onnx_nodes[p->second].op_type;
    } else {
      const auto& n = built.nodes.at(static_cast<size_t>(v.defined_at));
      site.value.node = node_label(n, static_cast<size_t>(v.defined_at));
      site.value.op = n.op_type;
    }
    by_name[v.name] = std::move(site);
  }
  std::vector<WrittenSite> sites;
  for (auto& [name, site] : by_name) sites.push_back(std::move(site));
  std::sort(sites.begin(), sites.end(), [](const WrittenSite& a, const WrittenSite& b) {
    return a.ready != b.ready ? a.ready < b.ready : a.id < b.id;
  });
  return sites;
}

}  // namespace flipguard::engine
