#include "faults/fault_model_registry.hpp"

#include <array>
#include <stdexcept>

#include "platform/registry.hpp"

namespace flipguard::faults {

namespace models {  // each defined in its own file under faults/models/
extern const FaultModelType bit_error_rate, stuck_at_0, stuck_at_1, burst, targeted, single;
}  // namespace models

namespace {

// The built-in kinds, in the order help and docs list them.
constexpr std::array kBuiltins = {&models::bit_error_rate, &models::stuck_at_0, &models::stuck_at_1,
                                  &models::burst,          &models::targeted,   &models::single};

platform::Registry<FaultModelType>& registry() {
  static platform::Registry<FaultModelType> r("fault model kind", kBuiltins);
  return r;
}

}  // namespace

std::string FaultModelType::spec_syntax() const {
  std::string out = std::string(name) + ":";
  if (!takes_rate) return out + std::string(options_syntax);
  out += "<p>";
  if (options_syntax.empty()) return out;
  const std::string options = spec_separator + std::string(options_syntax);
  return out + (options_optional ? "[" + options + "]" : options);
}

std::string FaultModelType::setting_syntax() const {
  if (options_syntax.empty()) return std::string(name);
  const std::string options = "@" + std::string(options_syntax);
  return std::string(name) + (options_optional ? "[" + options + "]" : options);
}

std::vector<const FaultModelType*> fault_model_types() {
  return registry().entries();
}

const FaultModelType* find_fault_model_type(std::string_view name) {
  return registry().find(name);
}

std::string fault_model_names(std::string_view last) {
  return registry().names(last);
}

void register_fault_model_type(const FaultModelType& type) {
  const std::string name(type.name);
  if (name.empty() || name.find_first_of(":@") != std::string::npos)
    throw std::logic_error("fault model kind '" + name + "': a name must be non-empty without ':' or '@'");
  if (!type.sample) throw std::logic_error("fault model kind '" + name + "' has no sampler");
  if (!type.options_syntax.empty() && (!type.parse_options || !type.format_options))
    throw std::logic_error("fault model kind '" + name + "' declares options but cannot read or write them");
  registry().add(type);
}

void unregister_fault_model_type(const FaultModelType& type) {
  registry().remove(type);
}

std::string setting_spec(std::string_view setting, std::string_view rate_text) {
  const std::size_t at = setting.find('@');
  const FaultModelType* type = find_fault_model_type(setting.substr(0, at));
  if (!type) {
    std::string forms;
    for (const FaultModelType* t : fault_model_types())
      forms += (forms.empty() ? "" : ", ") + t->setting_syntax();
    throw std::invalid_argument("expected " + fault_model_names(" or ") + " (" + forms + ")");
  }
  const bool has_options = at != std::string_view::npos;
  if (has_options && type->options_syntax.empty())
    throw std::invalid_argument(std::string(type->name) + " takes no options");
  if (!has_options && !type->options_optional)
    throw std::invalid_argument(std::string(type->name) + " needs @" + std::string(type->options_syntax) +
                                ", e.g. " + std::string(type->example));
  const std::string_view options = has_options ? setting.substr(at + 1) : std::string_view();
  std::string spec = std::string(type->name) + ":";
  if (!type->takes_rate) return spec + std::string(options);
  spec += rate_text;
  if (has_options) spec += type->spec_separator + std::string(options);
  return spec;
}

std::string setting_text(const FaultModel& model) {
  const FaultModelType& type = model.type();
  const std::string options = type.format_options ? type.format_options(model) : std::string();
  return std::string(type.name) + (options.empty() ? "" : "@" + options);
}

}  // namespace flipguard::faults
