// The fault sites as the settings see them. The fault-site registry lives above the settings (its sites
// reach into the engine), and the settings must stay engine-free (a report links them), so the registry
// lends them its names, check and help through this catalog when its library is part of the program
// (fault_sites/fault_site_registry.cpp sets it at start-up). Without it, any site name is taken as given.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flipguard::campaign {

struct SiteCatalog {
  bool (*known)(std::string_view name) = nullptr;
  std::string (*names)(std::string_view last) = nullptr;  // "weights or biases"
  std::string (*help)() = nullptr;
  // The formats and protections of a campaign at the site when none are given (empty: the campaign's own).
  std::vector<std::string> (*default_formats)(std::string_view name) = nullptr;
  std::vector<std::string> (*default_protections)(std::string_view name) = nullptr;
};

void set_site_catalog(const SiteCatalog& catalog);
// The catalog set, or null.
const SiteCatalog* site_catalog();

}  // namespace flipguard::campaign
