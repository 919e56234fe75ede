// The `fault` setting: a fault model of the core (faults/fault_model.hpp) without its rate, which each
// cell's BER supplies.
//   ber | stuck0 | stuck1        every stored bit flips / sticks at 0 / sticks at 1 with the cell's rate
//   ...@bits=LIST                only these bit positions of each stored weight word (0 = LSB; "30",
//                                "0-4,7"); ECC check bits then take no faults
//   burst@len=L                  at each bit a burst starts with the cell's rate and flips L adjacent bits
//   target@TENSOR,ELEMENT,BIT[;...]  exactly these bits (stored weight tensor, flat element, bit); the rate
//                                is unused, so such a campaign takes one BER
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

}  // namespace flipguard::campaign
