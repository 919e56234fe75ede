// The fault model registry: one entry per kind of fault model, the single place its name, grammar,
// documentation, sampler and critical-bit conditioning live. Parsing and printing specs and `fault` settings,
// help, docs and error messages that list the kinds all derive from the entries.
//
// One grammar gives both written forms, from a kind's NAME, its rate (kinds that take one) and its OPTIONS:
//   spec (records, the core):  NAME:RATE[<sep>OPTIONS], or NAME:OPTIONS for a kind without a rate
//                              ber:1e-4@bits=30   burst:1e-4:len=4   target:fc.weight,0,7
//   `fault` setting:           NAME[@OPTIONS], the rate supplied by each campaign cell
//                              ber@bits=30        burst@len=4        target@fc.weight,0,7
//
// A kind is one file defining its FaultModelType, plus its line in the built-in list
// (fault_model_registry.cpp); code outside the library adds one with a FaultModelRegistrar.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faults/fault_map.hpp"
#include "faults/fault_model.hpp"
#include "faults/rng.hpp"
#include "faults/sampler.hpp"

namespace flipguard::faults {

struct FaultModelType {
  std::string_view name = {};     // the first word of specs and settings: "ber"
  std::string_view summary = {};  // what a fault does at rate BER, one line for help and docs
  bool takes_rate = true;         // false: the rate is unused (targeted), so a campaign grid takes one

  // Options. In a spec they follow the rate after `spec_separator` (a kind without a rate: the colon); in a
  // setting after '@'. `options_syntax` is "" for a kind without options.
  std::string_view options_syntax = {};  // "bits=<list>"
  std::string_view options_doc = {};     // what the options mean, for help and docs (after their syntax)
  bool options_optional = true;
  char spec_separator = '@';
  std::string_view example = {};  // a setting, shown in docs and in hints: "burst@len=4"
  // Reads the options text into `model`, throwing std::invalid_argument with the problem; null without
  // options.
  void (*parse_options)(std::string_view text, FaultModel& model) = nullptr;
  // The canonical options text ("" when there are none to write); null without options.
  std::string (*format_options)(const FaultModel& model) = nullptr;

  // Draws one trial's faults on one validated region (sample_faults checked the region and, for kinds that
  // take one, the rate), in O(number of faults).
  FaultMap (*sample)(const FaultModel& model, const SampleRegion& region, const RngKey& key) = nullptr;

  // Critical-bit conditioning (critical_conditioning.hpp) applies to kinds whose faults fall independently on
  // every allowed bit at the rate, so that the count on one bit is binomial: the fault such a kind puts on a
  // bit. Empty where conditioning does not apply.
  std::optional<FaultKind> per_bit_fault = {};

  // True for a kind that puts exactly one fault on each image, over all of a site's targets together (the
  // target drawn in proportion to its size): only a site redrawn per image can take it, and `sample` then
  // places the one fault within one region.
  bool one_per_image = false;

  // "ber:<p>[@bits=<list>]" and "ber[@bits=<list>]": the two forms' syntax, for help and errors.
  std::string spec_syntax() const;
  std::string setting_syntax() const;
};

// Every registered kind: the built-ins, then those registered, in listing order.
std::vector<const FaultModelType*> fault_model_types();

// The kind of this name, or null.
const FaultModelType* find_fault_model_type(std::string_view name);

// The kinds' names for messages: "ber, stuck0, stuck1, burst, target or single" (`last` = " or ").
std::string fault_model_names(std::string_view last = ", ");

// Adds a kind; throws std::logic_error when its name is taken or it lacks a sampler or an options grammar it
// declares. Registration is not synchronised: register before campaigns run.
void register_fault_model_type(const FaultModelType& type);
// Removes a kind registered above (not a built-in one); nothing when it is not registered.
void unregister_fault_model_type(const FaultModelType& type);

// Registers a kind for the registrar's lifetime: at namespace scope, for the program's
// (`const FaultModelRegistrar registrar{kMyKind};` beside the kind), or for a scope such as a test's.
class FaultModelRegistrar {
 public:
  explicit FaultModelRegistrar(const FaultModelType& type) : type_(type) { register_fault_model_type(type); }
  ~FaultModelRegistrar() { unregister_fault_model_type(type_); }
  FaultModelRegistrar(const FaultModelRegistrar&) = delete;
  FaultModelRegistrar& operator=(const FaultModelRegistrar&) = delete;

 private:
  const FaultModelType& type_;
};

// The rate-less `fault` setting (see above).
// The spec of `setting` with `rate_text` as its rate: its name and options as written. Throws
// std::invalid_argument with the problem (an unknown kind, options missing or not taken).
std::string setting_spec(std::string_view setting, std::string_view rate_text);
// The canonical setting of a model: its spec without the rate.
std::string setting_text(const FaultModel& model);

}  // namespace flipguard::faults
