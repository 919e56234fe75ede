#include "fault_sites/activations/value_selection.hpp"

#include <regex>
#include <stdexcept>

namespace flipguard::fault_sites {

std::vector<engine::WrittenValue> select_values(const std::vector<engine::WrittenValue>& written,
                                                const std::string& selection) {
  if (selection == "all") return written;
  std::vector<engine::WrittenValue> out;
  for (const auto& v : written)
    if (v.name == selection) return {v};
  for (const auto& v : written)
    if (v.node == selection) out.push_back(v);
  if (!out.empty()) return out;
  const std::regex pattern(selection);
  for (const auto& v : written)
    if (std::regex_search(v.name, pattern) || std::regex_search(v.node, pattern)) out.push_back(v);
  if (out.empty()) {
    // Long models write hundreds of values: the first ones show the naming, the count says how many more.
    constexpr std::size_t kShown = 12;
    std::string candidates;
    for (std::size_t i = 0; i < written.size() && i < kShown; ++i)
      candidates +=
          (i == 0 ? "" : ", ") + written[i].name + " (" + written[i].op + " " + written[i].node + ")";
    if (written.size() > kShown) candidates += ", ... (" + std::to_string(written.size()) + " in all)";
    throw std::invalid_argument(
        "tensors '" + selection +
        "' matches no value the model writes, by value or node name; its values are: " + candidates +
        "; flipguard inspect-model --site activations lists them");
  }
  return out;
}

}  // namespace flipguard::fault_sites
