#include "protect/protection_registry.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "platform/registry.hpp"

namespace flipguard::protect {

namespace protections {  // each defined in its own file under protect/protections/
extern const ProtectionType weight_scaling, secded, range_clip, nan_guard, ranger, clip_act;
}  // namespace protections

namespace {

// The built-in entries, in the order of a canonical spec's tokens (records hold them so: never reorder).
constexpr std::array kBuiltins = {&protections::weight_scaling, &protections::secded,
                                  &protections::range_clip,     &protections::nan_guard,
                                  &protections::ranger,         &protections::clip_act};

platform::Registry<ProtectionType>& registry() {
  static platform::Registry<ProtectionType> r("protection", kBuiltins);
  return r;
}

bool has_word(const ProtectionType& type, std::string_view word) {
  if (type.words.empty()) return type.name == word;
  return std::find(type.words.begin(), type.words.end(), word) != type.words.end();
}

}  // namespace

std::vector<const ProtectionType*> protection_types() {
  return registry().entries();
}

const ProtectionType* find_protection_type(std::string_view name) {
  return registry().find(name);
}

const ProtectionType* protection_type_of_word(std::string_view word) {
  return registry().find_if([word](const ProtectionType& t) { return has_word(t, word); });
}

std::string protection_forms() {
  std::string out = "none";
  for (const ProtectionType* t : protection_types()) out += ", " + std::string(t->syntax);
  return out;
}

std::string protection_titles() {
  std::string out;
  for (const ProtectionType* t : protection_types()) out += (out.empty() ? "" : ", ") + std::string(t->title);
  return out;
}

void register_protection_type(const ProtectionType& type) {
  const std::string name(type.name);
  const auto fail = [&](const std::string& why) {
    throw std::logic_error("protection '" + name + "': " + why);
  };
  const auto bad_word = [](std::string_view w) {
    return w.empty() || w == "none" || w.find_first_of("+=: \t") != std::string_view::npos ||
           std::any_of(w.begin(), w.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  };
  if (bad_word(type.name))
    fail("a name must be non-empty, lowercase, not 'none', without '+', '=', ':' or blanks");
  if (find_protection_type(type.name)) fail("the name is registered already");
  const std::span<const std::string_view> words =
      type.words.empty() ? std::span<const std::string_view>(&type.name, 1) : type.words;
  for (const std::string_view w : words) {
    if (bad_word(w)) fail("word '" + std::string(w) + "' cannot start a token");
    if (protection_type_of_word(w)) fail("word '" + std::string(w) + "' is taken");
  }
  if (type.syntax.empty() || type.summary.empty() || type.example.empty())
    fail("it needs its syntax, a summary and an example");
  if ((type.parse == nullptr) != (type.format == nullptr)) fail("it needs both parse and format, or neither");
  if (type.stage == ProtectionStage::storage_code ? !type.make_code : !type.make_layer)
    fail(type.stage == ProtectionStage::storage_code ? "a storage code needs make_code"
                                                     : "it needs make_layer");
  registry().add(type);
}

void unregister_protection_type(const ProtectionType& type) {
  registry().remove(type);
}

}  // namespace flipguard::protect
