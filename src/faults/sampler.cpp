#include "faults/sampler.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "faults/geometric_skip.hpp"

namespace flipguard::faults {

namespace {

std::uint64_t region_bits(const SampleRegion& region) {
  if (region.width == 0 || region.width > 64) {
    throw std::invalid_argument("sample_faults: element width " + std::to_string(region.width) +
                                " is outside [1, 64] bits");
  }
  if (region.elements > std::numeric_limits<std::uint64_t>::max() / region.width) {
    throw std::invalid_argument("sample_faults: " + std::to_string(region.elements) + " elements of " +
                                std::to_string(region.width) + " bits overflow a 64-bit bit index");
  }
  return region.elements * region.width;
}

void check_rate(double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument("sample_faults: rate " + std::to_string(p) +
                                " is not a probability in [0, 1]");
  }
}

// Independent per-bit faults of one kind over (elements x allowed positions), mapped back to bit indices.
FaultMap sample_per_bit(const FaultModel& model, const SampleRegion& region, std::uint64_t nbits,
                        KeyedRng& rng, FaultKind kind) {
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
  return FaultMap(nbits, std::move(faults));
}

// Burst starts at rate p on [0, nbits - len]; a burst covers [s, s + len) and the next one may start only
// after it, so every burst is exactly len bits and none runs past the region.
FaultMap sample_bursts(const FaultModel& model, std::uint64_t nbits, KeyedRng& rng) {
  const unsigned len = model.burst_length;
  if (len == 0) throw std::invalid_argument("sample_faults: burst length must be at least 1");
  if (!model.bit_positions.empty()) {
    throw std::invalid_argument("sample_faults: burst models do not take @bits (bursts span adjacent bits)");
  }
  std::vector<Fault> faults;
  if (nbits < len) return FaultMap(nbits, {});
  const GeometricSkip skip(model.rate, nbits - len + 1);
  for (std::uint64_t s = skip.next(0, rng); s < skip.slots(); s = skip.next(s + len, rng)) {
    for (unsigned k = 0; k < len; ++k) faults.push_back({s + k, FaultKind::kFlip});
  }
  return FaultMap(nbits, std::move(faults));
}

bool target_matches(const BitTarget& t, const SampleRegion& region, std::uint64_t tensor_id) {
  return t.tensor == region.tensor_name || t.tensor == std::to_string(tensor_id);
}

}  // namespace

FaultMap targeted_flips(const SampleRegion& region, std::span<const ElementBit> positions) {
  const std::uint64_t nbits = region_bits(region);
  std::vector<Fault> faults;
  faults.reserve(positions.size());
  for (const ElementBit& p : positions) {
    if (p.element >= region.elements || p.bit >= region.width) {
      throw std::invalid_argument(
          "targeted flip at element " + std::to_string(p.element) + " bit " + std::to_string(p.bit) +
          " is outside tensor '" + std::string(region.tensor_name) + "' of " +
          std::to_string(region.elements) + " elements x " + std::to_string(region.width) + " bits");
    }
    faults.push_back({p.element * region.width + p.bit, FaultKind::kFlip});
  }
  return FaultMap(nbits, std::move(faults));
}

FaultMap sample_faults(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  const std::uint64_t nbits = region_bits(region);
  if (model.kind == FaultModelKind::kTargeted) {
    if (key.stream != static_cast<std::uint64_t>(Stream::kData)) return FaultMap(nbits, {});
    std::vector<ElementBit> mine;
    for (const BitTarget& t : model.targets) {
      if (target_matches(t, region, key.tensor)) mine.push_back({t.element, t.bit});
    }
    return targeted_flips(region, mine);
  }
  check_rate(model.rate);
  KeyedRng rng(key);
  switch (model.kind) {
    case FaultModelKind::kBitErrorRate:
      return sample_per_bit(model, region, nbits, rng, FaultKind::kFlip);
    case FaultModelKind::kStuck0:
      return sample_per_bit(model, region, nbits, rng, FaultKind::kStuck0);
    case FaultModelKind::kStuck1:
      return sample_per_bit(model, region, nbits, rng, FaultKind::kStuck1);
    case FaultModelKind::kBurst:
      return sample_bursts(model, nbits, rng);
    case FaultModelKind::kTargeted:
      break;
  }
  throw std::logic_error("sample_faults: unhandled fault model kind");
}

}  // namespace flipguard::faults
