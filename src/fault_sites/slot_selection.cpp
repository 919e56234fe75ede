#include "fault_sites/slot_selection.hpp"

#include <map>
#include <regex>
#include <stdexcept>

#include "faults/fault_model_registry.hpp"
#include "model/weight_users.hpp"

namespace flipguard::fault_sites {

namespace {

// Weights (not biases) chosen by `selection`: "all"; a weight's or a node's exact name; else a regex found in
// a weight's name or the name of a node reading it.
std::vector<engine::WeightSlot*> select(std::vector<std::unique_ptr<engine::WeightSlot>>& slots,
                                        const std::map<std::string, std::vector<const model::Node*>>& users,
                                        const std::string& selection) {
  std::vector<engine::WeightSlot*> weights;
  for (auto& s : slots)
    if (!s->role().ends_with(".bias")) weights.push_back(s.get());
  if (selection == "all") return weights;
  auto nodes_of = [&users](const engine::WeightSlot* s) {
    const auto it = users.find(s->name());
    return it == users.end() ? std::vector<const model::Node*>{} : it->second;
  };
  std::vector<engine::WeightSlot*> out;
  for (auto* s : weights)
    if (s->name() == selection) return {s};
  for (auto* s : weights)
    for (const auto* n : nodes_of(s))
      if (n->name == selection) {
        out.push_back(s);
        break;
      }
  if (!out.empty()) return out;
  const std::regex pattern(selection);
  for (auto* s : weights) {
    bool hit = std::regex_search(s->name(), pattern);
    for (const auto* n : nodes_of(s)) hit = hit || std::regex_search(n->name, pattern);
    if (hit) out.push_back(s);
  }
  if (out.empty()) {
    std::string candidates;
    for (const auto* s : weights) {
      candidates += (candidates.empty() ? "" : ", ") + s->name();
      const auto nodes = nodes_of(s);
      for (size_t i = 0; i < nodes.size(); ++i)
        candidates += (i == 0 ? " (node " : ", ") + nodes[i]->name + (i + 1 == nodes.size() ? ")" : "");
    }
    throw std::invalid_argument("tensors '" + selection +
                                "' matches no stored weight of the model, by weight or node name; its stored "
                                "weights are: " +
                                candidates);
  }
  return out;
}

}  // namespace

std::vector<engine::WeightSlot*> select_slots(std::vector<std::unique_ptr<engine::WeightSlot>>& slots,
                                              const std::string& selection) {
  return select(slots, {}, selection);
}

std::vector<engine::WeightSlot*> select_slots(engine::Executor& executor, const std::string& selection) {
  return select(executor.weights(), model::weight_users(executor.graph()), selection);
}

void check_fault_targets(const faults::FaultModel& model, const std::vector<engine::WeightSlot*>& slots) {
  if (model.type().one_per_image)
    throw std::invalid_argument("fault '" + std::string(model.type().name) +
                                "' puts one fault on each image, and stored weights are faulted once per "
                                "trial: use it with --site activations");
  for (const auto& t : model.targets) {
    const engine::WeightSlot* hit = nullptr;
    for (const auto* s : slots)
      if (s->name() == t.tensor) hit = s;
    if (!hit) {
      std::string names;
      for (const auto* s : slots) names += (names.empty() ? "" : ", ") + s->name();
      throw std::invalid_argument("fault target '" + t.tensor + "' is not a faulted stored weight (" + names +
                                  "); flipguard inspect-model lists them");
    }
    if (t.index.size() != 1)
      throw std::invalid_argument("fault target '" + t.tensor + "' gives " + std::to_string(t.index.size()) +
                                  " coordinates: a stored weight takes one flat element index "
                                  "(<tensor>,<element>,<bit>)");
    if (t.index[0] >= static_cast<std::uint64_t>(hit->size()))
      throw std::invalid_argument("fault target '" + t.tensor + "," + std::to_string(t.index[0]) + "," +
                                  std::to_string(t.bit) + "': element " + std::to_string(t.index[0]) +
                                  " is past the tensor's " + std::to_string(hit->size()) + " elements");
  }
}

}  // namespace flipguard::fault_sites
