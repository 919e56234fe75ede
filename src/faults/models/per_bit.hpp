// What the per-bit kinds (ber, stuck0, stuck1) share: faults fall independently on every allowed bit at the
// rate, each of the kind's FaultModelType::per_bit_fault, and an optional @bits=<list> names the allowed bit
// positions of each element.
#pragma once

#include <string>
#include <string_view>

#include "faults/fault_model_registry.hpp"

namespace flipguard::faults::models {

inline constexpr std::string_view kBitsSyntax = "bits=<list>";
inline constexpr std::string_view kBitsDoc =
    "only these bit positions of each stored weight word take faults (0 = LSB; lists and ranges: 30, 0-4,7); "
    "ECC check bits then take none";

void parse_bits_option(std::string_view text, FaultModel& model);
std::string format_bits_option(const FaultModel& model);

// Per-bit faults over (elements x allowed positions) in O(faults), sorted by bit index.
FaultMap sample_per_bit(const FaultModel& model, const SampleRegion& region, const RngKey& key);

// The entry of a per-bit kind whose faults are `fault`.
constexpr FaultModelType per_bit_kind(std::string_view name, std::string_view summary, FaultKind fault,
                                      std::string_view example) {
  return {.name = name,
          .summary = summary,
          .options_syntax = kBitsSyntax,
          .options_doc = kBitsDoc,
          .example = example,
          .parse_options = parse_bits_option,
          .format_options = format_bits_option,
          .sample = sample_per_bit,
          .per_bit_fault = fault};
}

}  // namespace flipguard::faults::models
