#include "fault_sites/activations/value_targets.hpp"

#include <stdexcept>
#include <string>

#include "model/graph.hpp"

namespace flipguard::fault_sites {
namespace {

std::string spelled(const faults::BitTarget& t) {
  std::string out = t.tensor;
  for (const auto i : t.index) out += "," + std::to_string(i);
  return out + "," + std::to_string(t.bit);
}

// The flat index within one image of the coordinates `index[1..]` (the image's own dims, or one flat index).
std::uint64_t flat_index(const faults::BitTarget& t, const engine::WrittenValue& v) {
  const std::size_t rank = v.dims.size() - 1;  // dims after the batch
  const auto coords = std::span(t.index).subspan(1);
  const auto per_image = static_cast<std::uint64_t>(v.elements_per_image());
  const std::string where = "fault target '" + spelled(t) + "': value '" + v.name + "' has dims " +
                            model::dims_to_string(v.dims) + " (batch first)";
  if (coords.size() == 1) {
    if (coords[0] >= per_image)
      throw std::invalid_argument(where + ", and element " + std::to_string(coords[0]) + " is past its " +
                                  std::to_string(per_image) + " elements per image");
    return coords[0];
  }
  if (coords.size() != rank)
    throw std::invalid_argument(where + ": give the image, then " + std::to_string(rank) +
                                " coordinates or one flat index, then the bit");
  std::uint64_t flat = 0;
  for (std::size_t d = 0; d < rank; ++d) {
    const auto extent = static_cast<std::uint64_t>(v.dims[d + 1]);
    if (coords[d] >= extent)
      throw std::invalid_argument(where + ", and coordinate " + std::to_string(d + 1) + " (" +
                                  std::to_string(coords[d]) + ") is past its extent " +
                                  std::to_string(extent));
    flat = flat * extent + coords[d];
  }
  return flat;
}

}  // namespace

std::vector<ValueTarget> resolve_value_targets(const faults::FaultModel& model,
                                               std::span<const engine::WrittenValue> values,
                                               unsigned word_bits, bool others_allowed) {
  std::vector<ValueTarget> out;
  for (const auto& t : model.targets) {
    std::size_t v = 0;
    while (v < values.size() && values[v].name != t.tensor) ++v;
    if (v == values.size() && others_allowed) continue;
    if (v == values.size()) {
      std::string names;
      for (const auto& w : values) names += (names.empty() ? "" : ", ") + w.name;
      throw std::invalid_argument("fault target '" + spelled(t) + "' names no faulted activation value (" +
                                  names + "); flipguard inspect-model --site activations lists them");
    }
    if (t.index.size() < 2)
      throw std::invalid_argument("fault target '" + spelled(t) +
                                  "': an activation target is <value>,<image>,<coordinates...>,<bit>");
    if (word_bits > 0 && t.bit >= word_bits)
      throw std::invalid_argument("fault target '" + spelled(t) + "': bit " + std::to_string(t.bit) +
                                  " is past the " + std::to_string(word_bits) + "-bit stored word");
    const ValueTarget resolved{v, t.index[0], flat_index(t, values[v]), t.bit};
    for (const auto& o : out)
      if (o.value == v && o.image == resolved.image && o.element == resolved.element && o.bit == t.bit)
        throw std::invalid_argument("fault target '" + spelled(t) + "' names a bit another target names");
    out.push_back(resolved);
  }
  return out;
}

}  // namespace flipguard::fault_sites
