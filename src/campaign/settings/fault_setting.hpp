// The `fault` setting: a fault model of the core without its rate, which each cell's BER supplies. Its
// grammar is the core's (faults/fault_model_registry.hpp): NAME[@OPTIONS], e.g. ber, ber@bits=30,
// burst@len=4, target@conv1.weight,0,7; `flipguard settings` lists the kinds.
#pragma once

#include <string>

#include "faults/fault_model.hpp"

namespace flipguard::campaign {

// The setting's canonical text ("ber@bits=0-4,7"): two spellings of one fault model are one campaign.
// std::invalid_argument naming the setting and what is wrong otherwise.
std::string canonical_fault_setting(const std::string& setting);

// The core's spec of the setting at `rate` ("ber:0.0001@bits=30"), as trial records hold it.
std::string fault_spec(const std::string& setting, double rate);

// The fault model of the setting at `rate`.
faults::FaultModel fault_model(const std::string& setting, double rate);

// The setting's help, from the fault model registry: each kind, then what the options mean.
std::string fault_setting_help();

}  // namespace flipguard::campaign
