#include "campaign/settings/fault_setting.hpp"

#include <cstdio>
#include <set>
#include <stdexcept>
#include <string_view>

#include "faults/fault_model_registry.hpp"

namespace flipguard::campaign {
namespace {

// The rate exactly as records have always written it (%.17g), so earlier results keep their keys.
std::string rate_text(double rate) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", rate);
  return buf;
}

// The core names its spec ("fault model 'ber:0.5@bits=x': ..."): name the setting as given instead.
[[noreturn]] void fail(const std::string& setting, const std::string& what) {
  const auto colon = what.find("': ");
  const bool from_core = what.starts_with("fault model '") && colon != std::string::npos;
  throw std::invalid_argument("fault '" + setting + "': " + (from_core ? what.substr(colon + 3) : what));
}

}  // namespace

std::string fault_spec(const std::string& setting, double rate) {
  try {
    return faults::setting_spec(setting, rate_text(rate));
  } catch (const std::invalid_argument& e) {
    fail(setting, e.what());
  }
}

faults::FaultModel fault_model(const std::string& setting, double rate) {
  const std::string spec = fault_spec(setting, rate);
  try {
    return faults::FaultModel::parse(spec);
  } catch (const std::invalid_argument& e) {
    fail(setting, e.what());
  }
}

std::string fault_setting_help() {
  std::string kinds, options;
  std::set<std::string_view> explained;
  // Syntax in backticks: docs/settings.md shows this text, where <list> would read as an HTML tag.
  for (const auto* t : faults::fault_model_types()) {
    kinds += (kinds.empty() ? "" : "; ") + ("`" + t->setting_syntax() + "`: ") + std::string(t->summary);
    if (!t->options_doc.empty() && explained.insert(t->options_doc).second)
      options += "; `@" + std::string(t->options_syntax) + "`: " + std::string(t->options_doc);
  }
  return "what a fault does, at each cell's rate: " + kinds + options;
}

std::string canonical_fault_setting(const std::string& setting) {
  return faults::setting_text(fault_model(setting, 0.5));
}

}  // namespace flipguard::campaign
