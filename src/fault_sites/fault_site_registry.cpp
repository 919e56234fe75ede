#include "fault_sites/fault_site_registry.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "campaign/settings/site_catalog.hpp"

namespace flipguard::fault_sites {

namespace sites {  // each defined in its own file under fault_sites/sites/
extern const FaultSiteType stored_weights;
}  // namespace sites

namespace {

// The built-in sites, in the order help and docs list them.
constexpr std::array kBuiltins = {&sites::stored_weights};

// Sites registered at run time (tests, extensions), before campaigns run: lookups need no lock.
std::vector<const FaultSiteType*>& registered() {
  static std::vector<const FaultSiteType*> types;
  return types;
}

const char* redraw_text(Redraw redraw) {
  return redraw == Redraw::kPerTrial ? "drawn once per trial" : "drawn anew for every inference and image";
}

}  // namespace

std::vector<const FaultSiteType*> fault_site_types() {
  std::vector<const FaultSiteType*> out(kBuiltins.begin(), kBuiltins.end());
  out.insert(out.end(), registered().begin(), registered().end());
  return out;
}

const FaultSiteType* find_fault_site_type(std::string_view name) {
  for (const FaultSiteType* t : fault_site_types())
    if (t->name == name) return t;
  return nullptr;
}

const FaultSiteType& fault_site_type(std::string_view name) {
  if (const FaultSiteType* t = find_fault_site_type(name)) return *t;
  throw std::invalid_argument("fault site '" + std::string(name) + "': expected " + fault_site_names(" or "));
}

std::string fault_site_names(std::string_view last) {
  const auto types = fault_site_types();
  std::string out;
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += i + 1 == types.size() ? std::string(last) : std::string(", ");
    out += types[i]->name;
  }
  return out;
}

std::string fault_site_help() {
  std::string sites;
  for (const FaultSiteType* t : fault_site_types())
    sites += (sites.empty() ? "" : "; ") + ("`" + std::string(t->name) + "`: ") + std::string(t->summary) +
             " (faults " + redraw_text(t->redraw) + ")";
  return "where faults land (--tensors chooses among the site's targets): " + sites;
}

void register_fault_site_type(const FaultSiteType& type) {
  const std::string name(type.name);
  if (name.empty()) throw std::logic_error("fault site: a name must be non-empty");
  if (find_fault_site_type(type.name))
    throw std::logic_error("fault site '" + name + "' is registered already");
  if (!type.select) throw std::logic_error("fault site '" + name + "' cannot select its targets");
  registered().push_back(&type);
}

void unregister_fault_site_type(const FaultSiteType& type) {
  std::erase(registered(), &type);
}

namespace {
// Lends the settings (which must not link the engine) the sites' names, check and help; this file is part of
// every program that can run a site.
const bool kCatalogSet = [] {
  campaign::set_site_catalog(
      {.known = [](std::string_view name) { return find_fault_site_type(name) != nullptr; },
       .names = fault_site_names,
       .help = fault_site_help});
  return true;
}();
}  // namespace

}  // namespace flipguard::fault_sites
