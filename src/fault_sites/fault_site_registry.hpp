// The fault-site registry: one entry per site, the single place its name, documentation line and behaviour
// live. A campaign's `site` setting names an entry; help, docs/settings.md and error messages that list the
// sites derive from the entries.
//
// A site is one file defining its FaultSiteType (and its FaultSite/SiteFaults, fault_site.hpp), plus its line
// in the built-in list (fault_site_registry.cpp); code outside the library adds one with a
// FaultSiteRegistrar.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/settings/campaign_config.hpp"
#include "engine/executor.hpp"
#include "engine/weight_selection.hpp"
#include "fault_sites/fault_site.hpp"

namespace flipguard::fault_sites {

// When a site's faults are drawn: once per trial, the same for every image (stored weights, stuck-at
// activations), or anew for every inference and image (transient upsets in activations).
enum class Redraw { kPerTrial, kPerInference };

struct FaultSiteType {
  std::string_view name = {};     // the `site` setting's value: "weights"
  std::string_view summary = {};  // what is faulted, one line for help and docs
  Redraw redraw = Redraw::kPerTrial;
  // A campaign's grid at this site when formats or protections are not given, comma-separated (empty: the
  // campaign's defaults, which are the stored weights').
  std::string_view default_formats = {}, default_protections = {};
  // True when the faults reach the model only through values patched into the executor by inject() (undone by
  // restore()): a trial whose faults changed none of them is the fault-free pass exactly, which the exact
  // shortcuts use. False for a site applied by a hook while the model runs.
  bool patches_before_run = true;
  // Whether a configuration needs calibration images (FaultSite::calibrate) to be built (null: never).
  bool (*needs_calibration)(const std::string& format, const std::string& protection) = nullptr;
  // What the executor must expose as weight slots beyond its default selection (null: nothing more).
  void (*expose)(engine::WeightSelection& selection) = nullptr;
  // The site's targets on `executor` chosen by a `tensors` selection; std::invalid_argument listing the
  // candidates when nothing matches.
  std::unique_ptr<FaultSite> (*select)(engine::Executor& executor, const std::string& selection) = nullptr;
};

// The site campaigns use unless told otherwise (named with the settings, which must not see this registry).
inline constexpr std::string_view kDefaultSite = campaign::kDefaultSite;

// Every registered site: the built-ins, then those registered, in listing order.
std::vector<const FaultSiteType*> fault_site_types();

// The site of this name, or null.
const FaultSiteType* find_fault_site_type(std::string_view name);
// The site of this name; std::invalid_argument listing the sites when there is none.
const FaultSiteType& fault_site_type(std::string_view name);

// The sites' names for messages: "weights or biases" (`last` = " or ").
std::string fault_site_names(std::string_view last = ", ");
// The `site` setting's help: every site with its summary and when its faults are drawn.
std::string fault_site_help();

// Adds a site; throws std::logic_error when its name is taken or empty, or it cannot select targets.
// Registration is not synchronised: register before campaigns run.
void register_fault_site_type(const FaultSiteType& type);
// Removes a site registered above (not a built-in one); nothing when it is not registered.
void unregister_fault_site_type(const FaultSiteType& type);

// Registers a site for the registrar's lifetime: at namespace scope, for the program's, or for a scope such
// as a test's.
class FaultSiteRegistrar {
 public:
  explicit FaultSiteRegistrar(const FaultSiteType& type) : type_(type) { register_fault_site_type(type); }
  ~FaultSiteRegistrar() { unregister_fault_site_type(type_); }
  FaultSiteRegistrar(const FaultSiteRegistrar&) = delete;
  FaultSiteRegistrar& operator=(const FaultSiteRegistrar&) = delete;

 private:
  const FaultSiteType& type_;
};

}  // namespace flipguard::fault_sites
