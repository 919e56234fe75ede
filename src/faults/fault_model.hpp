// A fault model parsed from a short spec string, the form used on the command line and in result records:
// a kind's name, its rate (kinds that take one) and its options, e.g. ber:1e-4@bits=30, burst:1e-4:len=4 or
// target:conv1.weight,12,7. The kinds, their grammar and their behaviour are entries of the fault model
// registry (fault_model_registry.hpp); `flipguard settings` lists them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::faults {

struct FaultModelType;

// A registered kind of fault model, compared by identity.
struct FaultModelKind {
  const FaultModelType* type = nullptr;

  std::string_view name() const;

  // Built-in kinds, for code that asks for one of them by name.
  static const FaultModelKind kBitErrorRate, kStuck0, kStuck1, kBurst, kTargeted;

  friend bool operator==(FaultModelKind, FaultModelKind) = default;
};

struct BitTarget {
  std::string tensor;
  // The coordinates as written. A stored weight takes one: the element's flat, row-major index. An activation
  // value takes the dataset image's index, then the element's coordinates in that image's part of the value
  // (one per dim after the batch, or its flat index there).
  std::vector<std::uint64_t> index;
  unsigned bit = 0;

  friend bool operator==(const BitTarget&, const BitTarget&) = default;
};

struct FaultModel {
  FaultModelKind kind = FaultModelKind::kBitErrorRate;
  double rate = 0.0;                    // per allowed bit (per start bit for bursts)
  unsigned burst_length = 1;            // bursts only
  std::vector<unsigned> bit_positions;  // sorted, unique; empty means every bit of the element
  std::vector<BitTarget> targets;       // targeted only
  // single only: empty for a bit flip; {lo, hi} for PyTorchFI's random value, uniform in [lo, hi].
  std::vector<double> value_range;

  // The registry's entry of this model's kind.
  const FaultModelType& type() const;

  // Throws std::invalid_argument naming the spec and what is wrong with it.
  static FaultModel parse(std::string_view spec);
  // The canonical spec: parse(m.to_string()) == m.
  std::string to_string() const;

  friend bool operator==(const FaultModel&, const FaultModel&) = default;
};

}  // namespace flipguard::faults
