// ber:<p>[@bits=<list>]: independent bit flips.
#include "faults/models/per_bit.hpp"

namespace flipguard::faults {
namespace models {

extern constinit const FaultModelType bit_error_rate =
    per_bit_kind("ber", "every stored bit flips with probability BER", FaultKind::kFlip, "ber@bits=30");

}  // namespace models

const FaultModelKind FaultModelKind::kBitErrorRate{&models::bit_error_rate};

}  // namespace flipguard::faults
