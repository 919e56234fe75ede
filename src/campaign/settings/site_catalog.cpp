#include "campaign/settings/site_catalog.hpp"

#include <optional>

namespace flipguard::campaign {
namespace {
std::optional<SiteCatalog>& catalog() {
  static std::optional<SiteCatalog> c;
  return c;
}
}  // namespace

void set_site_catalog(const SiteCatalog& c) {
  catalog() = c;
}

const SiteCatalog* site_catalog() {
  return catalog() ? &*catalog() : nullptr;
}

}  // namespace flipguard::campaign
