// The shape every registry of named entries shares (fault models, protections, fault sites): the built-in
// entries, a constant list in the order help and docs list them, then entries registered at run time (tests,
// extensions). Registration happens before campaigns run (at static initialisation, typically), so lookups
// need no lock. An entry is any type with a `name` member; each registry checks an entry's own fields before
// it calls add, which only refuses an empty or taken name.
#pragma once

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::platform {

template <class Entry>
class Registry {
 public:
  // `what` names an entry in messages ("fault site"); `builtins` must outlive the registry.
  Registry(std::string_view what, std::span<const Entry* const> builtins)
      : what_(what), builtins_(builtins) {}

  // The built-ins, then the registered entries, in registration order.
  std::vector<const Entry*> entries() const {
    std::vector<const Entry*> out(builtins_.begin(), builtins_.end());
    out.insert(out.end(), registered_.begin(), registered_.end());
    return out;
  }

  // The first entry, built-ins first, for which `match` holds; nullptr if none.
  template <class Match>
  const Entry* find_if(Match match) const {
    for (const Entry* e : builtins_)
      if (match(*e)) return e;
    for (const Entry* e : registered_)
      if (match(*e)) return e;
    return nullptr;
  }

  const Entry* find(std::string_view name) const {
    return find_if([name](const Entry& e) { return e.name == name; });
  }

  // "a, b, c" with `last` before the last name ("a, b or c").
  std::string names(std::string_view last) const {
    const auto all = entries();
    std::string out;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0) out += i + 1 == all.size() ? std::string(last) : std::string(", ");
      out += all[i]->name;
    }
    return out;
  }

  // std::logic_error naming the entry when its name is empty or taken.
  void add(const Entry& entry) {
    const std::string name(entry.name);
    if (name.empty()) throw std::logic_error(what_ + ": a name must be non-empty");
    if (find(entry.name)) throw std::logic_error(what_ + " '" + name + "' is registered already");
    registered_.push_back(&entry);
  }

  void remove(const Entry& entry) { std::erase(registered_, &entry); }

 private:
  std::string what_;
  std::span<const Entry* const> builtins_;
  std::vector<const Entry*> registered_;
};

}  // namespace flipguard::platform
