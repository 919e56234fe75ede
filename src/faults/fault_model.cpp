#include "faults/fault_model.hpp"

#include <optional>
#include <stdexcept>

#include "faults/fault_model_registry.hpp"
#include "faults/spec_grammar.hpp"

namespace flipguard::faults {

std::string_view FaultModelKind::name() const {
  return type ? type->name : std::string_view("(none)");
}

const FaultModelType& FaultModel::type() const {
  if (!kind.type) throw std::logic_error("fault model without a kind");
  return *kind.type;
}

namespace {

// The model of `spec`; throws std::invalid_argument with the problem alone.
FaultModel parse_spec(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument("expected <kind>:<parameters>, kinds are " + fault_model_names());
  const std::string_view name = spec.substr(0, colon);
  const FaultModelType* type = find_fault_model_type(name);
  if (!type)
    throw std::invalid_argument("unknown kind '" + std::string(name) + "' (expected " +
                                fault_model_names(" or ") + ")");
  FaultModel m;
  m.kind = {type};
  std::string_view body = spec.substr(colon + 1);
  std::optional<std::string_view> options;
  if (!type->takes_rate) {
    options = body;  // a kind without a rate: all of the body
  } else {
    const std::size_t sep =
        type->options_syntax.empty() ? std::string_view::npos : body.find(type->spec_separator);
    if (sep != std::string_view::npos) {
      options = body.substr(sep + 1);
      body = body.substr(0, sep);
    }
    m.rate = spec::parse_rate(body);
  }
  if ((!options || options->empty()) && !type->options_optional)
    throw std::invalid_argument("expected " + type->spec_syntax());
  // (A kind without a rate writes an empty body when its options are left out: "single:".)
  if (!options || (options->empty() && (type->options_syntax.empty() || !type->takes_rate))) return m;
  if (!type->parse_options) throw std::invalid_argument("expected " + type->spec_syntax());
  type->parse_options(*options, m);
  return m;
}

}  // namespace

FaultModel FaultModel::parse(std::string_view spec) {
  try {
    return parse_spec(spec);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("fault model '" + std::string(spec) + "': " + e.what());
  }
}

std::string FaultModel::to_string() const {
  const FaultModelType& t = type();
  const std::string options = t.format_options ? t.format_options(*this) : std::string();
  std::string out = std::string(t.name) + ":";
  if (!t.takes_rate) return out + options;
  out += spec::format_rate(rate);
  if (!options.empty()) out += t.spec_separator + options;
  return out;
}

}  // namespace flipguard::faults
