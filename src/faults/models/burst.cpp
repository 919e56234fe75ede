// burst:<p>:len=<L>: a burst starts at each bit with probability p and flips L adjacent bits.
#include <stdexcept>
#include <vector>

#include "faults/fault_model_registry.hpp"
#include "faults/geometric_skip.hpp"
#include "faults/spec_grammar.hpp"

namespace flipguard::faults {
namespace models {
namespace {

constexpr unsigned kMaxBurstLength = 64;

void parse_length(std::string_view text, FaultModel& model) {
  if (!text.starts_with("len=")) throw std::invalid_argument("expected burst:<p>:len=<L>");
  const std::uint64_t len = spec::parse_u64(text.substr(4), "burst length");
  if (len < 1 || len > kMaxBurstLength) {
    throw std::invalid_argument("burst length " + std::to_string(len) + " is outside [1, " +
                                std::to_string(kMaxBurstLength) + "]");
  }
  model.burst_length = static_cast<unsigned>(len);
}

std::string format_length(const FaultModel& model) {
  return "len=" + std::to_string(model.burst_length);
}

// Burst starts at rate p on [0, nbits - len]; a burst covers [s, s + len) and the next one may start only
// after it, so every burst is exactly len bits and none runs past the region.
FaultMap sample_bursts(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  const unsigned len = model.burst_length;
  if (len == 0) throw std::invalid_argument("sample_faults: burst length must be at least 1");
  if (!model.bit_positions.empty()) {
    throw std::invalid_argument("sample_faults: burst models do not take @bits (bursts span adjacent bits)");
  }
  const std::uint64_t nbits = region.bits();
  std::vector<Fault> faults;
  if (nbits < len) return FaultMap(nbits, {});
  KeyedRng rng(key);
  const GeometricSkip skip(model.rate, nbits - len + 1);
  for (std::uint64_t s = skip.next(0, rng); s < skip.slots(); s = skip.next(s + len, rng)) {
    for (unsigned k = 0; k < len; ++k) faults.push_back({s + k, FaultKind::kFlip});
  }
  return FaultMap(nbits, std::move(faults));
}

}  // namespace

extern constinit const FaultModelType burst{
    .name = "burst",
    .summary =
        "at each bit a burst starts with probability BER and flips L adjacent bits (bursts cross word "
        "boundaries and do not overlap)",
    .options_syntax = "len=<L>",
    .options_doc = "the length of each burst in bits, in [1, 64]",
    .options_optional = false,
    .spec_separator = ':',
    .example = "burst@len=4",
    .parse_options = parse_length,
    .format_options = format_length,
    .sample = sample_bursts,
    .per_bit_fault = std::nullopt,  // critical-bit conditioning does not apply
};

}  // namespace models

const FaultModelKind FaultModelKind::kBurst{&models::burst};

}  // namespace flipguard::faults
