#include "fault_sites/fault_site_registry.hpp"

#include <array>
#include <stdexcept>

#include "campaign/settings/site_catalog.hpp"
#include "platform/registry.hpp"

namespace flipguard::fault_sites {

namespace sites {  // each defined in its own file under fault_sites/sites/
extern const FaultSiteType stored_weights, activations;
}  // namespace sites

namespace {

// The built-in sites, in the order help and docs list them.
constexpr std::array kBuiltins = {&sites::stored_weights, &sites::activations};

platform::Registry<FaultSiteType>& registry() {
  static platform::Registry<FaultSiteType> r("fault site", kBuiltins);
  return r;
}

const char* redraw_text(Redraw redraw) {
  return redraw == Redraw::kPerTrial ? "drawn once per trial" : "drawn anew for every inference and image";
}

}  // namespace

std::vector<const FaultSiteType*> fault_site_types() {
  return registry().entries();
}

const FaultSiteType* find_fault_site_type(std::string_view name) {
  return registry().find(name);
}

const FaultSiteType& fault_site_type(std::string_view name) {
  if (const FaultSiteType* t = find_fault_site_type(name)) return *t;
  throw std::invalid_argument("fault site '" + std::string(name) + "': expected " + fault_site_names(" or "));
}

std::string fault_site_names(std::string_view last) {
  return registry().names(last);
}

std::string fault_site_help() {
  std::string sites;
  for (const FaultSiteType* t : fault_site_types())
    sites += (sites.empty() ? "" : "; ") + ("`" + std::string(t->name) + "`: ") + std::string(t->summary) +
             " (faults " + redraw_text(t->redraw) + ")";
  return "where faults land (--tensors chooses among the site's targets): " + sites;
}

void register_fault_site_type(const FaultSiteType& type) {
  if (!type.select)
    throw std::logic_error("fault site '" + std::string(type.name) + "' cannot select its targets");
  registry().add(type);
}

void unregister_fault_site_type(const FaultSiteType& type) {
  registry().remove(type);
}

namespace {
std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

// Lends the settings (which must not link the engine) the sites' names, check and help; this file is part of
// every program that can run a site.
const bool kCatalogSet = [] {
  campaign::set_site_catalog(
      {.known = [](std::string_view name) { return find_fault_site_type(name) != nullptr; },
       .names = fault_site_names,
       .help = fault_site_help,
       .default_formats =
           [](std::string_view name) {
             const auto* t = find_fault_site_type(name);
             return t ? split_commas(t->default_formats) : std::vector<std::string>{};
           },
       .default_protections =
           [](std::string_view name) {
             const auto* t = find_fault_site_type(name);
             return t ? split_commas(t->default_protections) : std::vector<std::string>{};
           }});
  return true;
}();
}  // namespace

}  // namespace flipguard::fault_sites
