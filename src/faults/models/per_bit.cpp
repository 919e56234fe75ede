#include "faults/models/per_bit.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "faults/geometric_skip.hpp"
#include "faults/spec_grammar.hpp"

namespace flipguard::faults::models {

void parse_bits_option(std::string_view text, FaultModel& model) {
  if (!text.starts_with("bits="))
    throw std::invalid_argument("unknown option '@" + std::string(text) + "' (expected @" +
                                std::string(kBitsSyntax) + ")");
  model.bit_positions = spec::parse_bit_list(text.substr(5));
}

std::string format_bits_option(const FaultModel& model) {
  return model.bit_positions.empty() ? std::string() : "bits=" + spec::format_bits(model.bit_positions);
}

FaultMap sample_per_bit(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  const std::vector<unsigned>& positions = model.bit_positions;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] >= region.width) {
      throw std::invalid_argument("sample_faults: model '" + model.to_string() + "' names bit position " +
                                  std::to_string(positions[i]) + " but elements are " +
                                  std::to_string(region.width) + " bits wide");
    }
    // A model built in code (not parsed) may break the sorted-unique contract. A repeat would make a list of
    // `width` entries pass for "every bit" below while missing some, and break the sorted slot mapping.
    if (i > 0 && positions[i] <= positions[i - 1]) {
      throw std::invalid_argument("sample_faults: model '" + model.to_string() +
                                  "' has bit positions that are not sorted and unique");
    }
  }
  const FaultKind kind = model.type().per_bit_fault.value_or(FaultKind::kFlip);
  KeyedRng rng(key);
  const bool all_positions = positions.empty() || positions.size() == region.width;
  const std::uint64_t per_element = all_positions ? region.width : positions.size();
  const GeometricSkip skip(model.rate, region.elements * per_element);

  std::vector<Fault> faults;
  const double expected = model.rate * static_cast<double>(skip.slots());
  // Reserve for the mean plus a few standard deviations so the vector rarely regrows.
  if (expected < 1e9) faults.reserve(static_cast<std::size_t>(expected + 6.0 * std::sqrt(expected) + 16.0));
  for (std::uint64_t s = skip.next(0, rng); s < skip.slots(); s = skip.next(s + 1, rng)) {
    // Slots increase with bit index (positions are sorted), so the map comes out sorted.
    const std::uint64_t bit =
        all_positions ? s : (s / per_element) * region.width + positions[s % per_element];
    faults.push_back({bit, kind});
  }
  return FaultMap(region.bits(), std::move(faults));
}

}  // namespace flipguard::faults::models
