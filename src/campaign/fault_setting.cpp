#include "campaign/fault_setting.hpp"

#include <cstdio>
#include <stdexcept>

namespace flipguard::campaign {
namespace {

constexpr const char* kSyntax =
    "expected ber, stuck0 or stuck1 (optionally @bits=LIST), burst@len=L or target@TENSOR,ELEMENT,BIT[;...]";

// The rate exactly as records have always written it (%.17g), so earlier results keep their keys.
std::string rate_text(double rate) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", rate);
  return buf;
}

std::string core_spec(const std::string& setting, double rate) {
  const auto at = setting.find('@');
  const std::string kind = setting.substr(0, at);
  const std::string option = at == std::string::npos ? std::string() : setting.substr(at + 1);
  if (kind == "ber" || kind == "stuck0" || kind == "stuck1") {
    if (at == std::string::npos) return kind + ":" + rate_text(rate);
    if (!option.starts_with("bits="))
      throw std::invalid_argument("fault '" + setting + "': unknown option '@" + option +
                                  "' (expected @bits=LIST)");
    return kind + ":" + rate_text(rate) + "@" + option;
  }
  if (kind == "burst") {
    if (!option.starts_with("len="))
      throw std::invalid_argument("fault '" + setting + "': a burst needs its length, e.g. burst@len=4");
    return "burst:" + rate_text(rate) + ":" + option;
  }
  if (kind == "target") {
    if (option.empty())
      throw std::invalid_argument("fault '" + setting + "': name the bits, e.g. target@conv1.weight,0,30");
    return "target:" + option;
  }
  throw std::invalid_argument("fault '" + setting + "': " + kSyntax);
}

// The setting's text of a parsed model.
std::string setting_text(const faults::FaultModel& m) {
  const std::string spec = m.to_string();  // kind:rate[@bits=...], burst:rate:len=L, target:...
  switch (m.kind) {
    case faults::FaultModelKind::kTargeted:
      return "target@" + spec.substr(spec.find(':') + 1);
    case faults::FaultModelKind::kBurst:
      return "burst@len=" + std::to_string(m.burst_length);
    default: {
      const auto at = spec.find('@');
      return spec.substr(0, spec.find(':')) + (at == std::string::npos ? "" : spec.substr(at));
    }
  }
}

}  // namespace

faults::FaultModel fault_model(const std::string& setting, double rate) {
  const std::string spec = core_spec(setting, rate);
  try {
    return faults::FaultModel::parse(spec);
  } catch (const std::invalid_argument& e) {
    // The core names its spec ("fault model 'ber:0.5@bits=x': ..."): name the setting as given instead.
    std::string what = e.what();
    const auto colon = what.find("': ");
    throw std::invalid_argument("fault '" + setting +
                                "': " + (colon == std::string::npos ? what : what.substr(colon + 3)));
  }
}

std::string canonical_fault_setting(const std::string& setting) {
  return setting_text(fault_model(setting, 0.5));
}

std::string fault_spec(const std::string& setting, double rate) {
  return core_spec(setting, rate);
}

}  // namespace flipguard::campaign
