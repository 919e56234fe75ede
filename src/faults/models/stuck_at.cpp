// stuck0:<p>[@bits=<list>] and stuck1:<p>[@bits=<list>]: bits stuck at a value, independently per bit.
#include "faults/models/per_bit.hpp"

namespace flipguard::faults {
namespace models {

extern constinit const FaultModelType stuck_at_0 = per_bit_kind(
    "stuck0", "every stored bit is stuck at 0 with probability BER", FaultKind::kStuck0, "stuck0");
extern constinit const FaultModelType stuck_at_1 = per_bit_kind(
    "stuck1", "every stored bit is stuck at 1 with probability BER", FaultKind::kStuck1, "stuck1@bits=0-3,7");

}  // namespace models

const FaultModelKind FaultModelKind::kStuck0{&models::stuck_at_0};
const FaultModelKind FaultModelKind::kStuck1{&models::stuck_at_1};

}  // namespace flipguard::faults
