// A fault model parsed from a short spec string, the form used on the command line and in result records:
//   ber:<p>[@bits=<list>]      independent bit flips, rate p per allowed bit
//   stuck0:<p>[@bits=<list>]   each allowed bit stuck at 0 with probability p
//   stuck1:<p>[@bits=<list>]   each allowed bit stuck at 1 with probability p
//   burst:<p>:len=<L>          a burst starts at each bit with probability p and flips L adjacent bits
//   target:<tensor>,<elem>,<bit>[;<tensor>,<elem>,<bit>...]   deterministic single-bit flips
// <list> names bit positions within each element (0 = LSB), e.g. "7" or "0-4,6". <tensor> is a tensor name or
// its numeric id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::faults {

enum class FaultModelKind { kBitErrorRate, kStuck0, kStuck1, kBurst, kTargeted };

struct BitTarget {
  std::string tensor;
  std::uint64_t element = 0;
  unsigned bit = 0;

  friend bool operator==(const BitTarget&, const BitTarget&) = default;
};

struct FaultModel {
  FaultModelKind kind = FaultModelKind::kBitErrorRate;
  double rate = 0.0;                    // per allowed bit (per start bit for bursts)
  unsigned burst_length = 1;            // bursts only
  std::vector<unsigned> bit_positions;  // sorted, unique; empty means every bit of the element
  std::vector<BitTarget> targets;       // targeted only

  // Throws std::invalid_argument naming the spec and what is wrong with it.
  static FaultModel parse(std::string_view spec);
  // The canonical spec: parse(m.to_string()) == m.
  std::string to_string() const;

  friend bool operator==(const FaultModel&, const FaultModel&) = default;
};

}  // namespace flipguard::faults
