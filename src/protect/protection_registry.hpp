// The protection registry: every kind of protection, the built-ins (one file each under protect/protections/)
// then those registered from outside the library. Parsing and printing specs, the stack ProtectedTensor
// builds, help, docs/settings.md, error messages that list the forms and the Python docstring all derive
// from the entries.
//
// A protection is one file defining its ProtectionType, plus its line in the built-in list
// (protection_registry.cpp); code outside the library adds one with a ProtectionRegistrar.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protect/protection_type.hpp"

namespace flipguard::protect {

// Every registered entry: the built-ins, then those registered, in listing order (the order of a canonical
// spec's tokens).
std::vector<const ProtectionType*> protection_types();

// The entry of this name, or null.
const ProtectionType* find_protection_type(std::string_view name);
// The entry whose tokens start with `word` ("ecc39"), or null.
const ProtectionType* protection_type_of_word(std::string_view word);

// Every form, for help and errors: "none, scale[=T], ..., nanguard".
std::string protection_forms();
// The entries' titles for prose: "weight scaling, SECDED, clipping, NaN guards".
std::string protection_titles();

// Adds an entry; throws std::logic_error when its name or one of its words is taken, or it lacks what its
// stage needs. Registration is not synchronised: register before campaigns run.
void register_protection_type(const ProtectionType& type);
// Removes an entry registered above (not a built-in one); nothing when it is not registered.
void unregister_protection_type(const ProtectionType& type);

// Registers an entry for the registrar's lifetime: at namespace scope, for the program's
// (`const ProtectionRegistrar registrar{kMyProtection};` beside the entry), or for a scope such as a test's.
class ProtectionRegistrar {
 public:
  explicit ProtectionRegistrar(const ProtectionType& type) : type_(type) { register_protection_type(type); }
  ~ProtectionRegistrar() { unregister_protection_type(type_); }
  ProtectionRegistrar(const ProtectionRegistrar&) = delete;
  ProtectionRegistrar& operator=(const ProtectionRegistrar&) = delete;

 private:
  const ProtectionType& type_;
};

}  // namespace flipguard::protect
