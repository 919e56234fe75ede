// Which protections wrap a stored tensor, parsed from strings such as "scale+ecc72+clip": the canonical form
// of a protection, which campaigns record. Each token belongs to an entry of the protection registry
// (protection_registry.hpp), which gives its grammar; this struct holds what the tokens said.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory/format.hpp"
#include "protect/secded.hpp"
#include "protect/weight_scaling.hpp"

namespace flipguard::protect {

enum class DoubleErrorPolicy {
  zero,  // every weight touching a word with a detected-uncorrectable error reads as 0
  keep,  // such weights are used as read
};

struct ProtectionType;

struct ProtectionSpec {
  struct Scaling {
    Granularity granularity = Granularity::per_tensor;
    // t; default_scale_target(format) when unset. Weight scaling uses it as a float (its factors are
    // float), scale@logits as a double (its constants multiply in double).
    std::optional<double> target;
    // scale@logits: the weights stay multiplied by their constants through the whole network and only the
    // logits are divided (model/logit_scaling.hpp). A ProtectedTensor then stores the values it is given,
    // already scaled, and reads them back scaled.
    bool at_logits = false;
  };
  struct Ecc {
    SecdedKind kind = SecdedKind::ecc72_64;
    DoubleErrorPolicy policy = DoubleErrorPolicy::zero;
  };

  std::optional<Scaling> scaling;
  std::optional<Ecc> ecc;
  std::optional<Granularity> clip;
  bool nan_guard = false;
  bool ranger = false;    // clamp to the fault-free range (protections/ranger.cpp)
  bool clip_act = false;  // zero outside the fault-free range (protections/clip_act.cpp)
  // Entries that keep no member above (registered from outside the library): each with its token as written.
  struct Added {
    const ProtectionType* type = nullptr;
    std::string token;
  };
  std::vector<Added> added;

  // Tokens joined by '+', any order, each entry at most once, case and blanks around tokens ignored; "none"
  // alone or the empty string for nothing. Each entry's file under protect/protections/ gives its forms
  // (`flipguard settings` lists them all), e.g. "scale-channel=3+ecc13:keep+clip+nanguard".
  // Errors throw std::invalid_argument naming the token and the whole spec.
  static ProtectionSpec parse(std::string_view text);
  std::string to_string() const;  // canonical form, parse(to_string()) gives the same spec

  // The entries this spec names, in registry order, each with its canonical token.
  struct Part {
    const ProtectionType* type;
    std::string token;
  };
  std::vector<Part> parts() const;

  // The bits the spec's storage code (SECDED) adds to the faulty memory over `data_bits` stored bits, as a
  // tensor of them will hold; 0 without one.
  std::uint64_t extra_bits(std::uint64_t data_bits) const;

  // The scaling target t in `format`: its own or the format's default; 0 without scaling.
  double scale_target(const memory::Format& format) const;
  // Throws std::invalid_argument when an entry cannot protect values stored in `format` (weight scaling:
  // t exceeds the largest value `format` stores, so the scaled weights would saturate; INT8 ignores t).
  void check_format(const memory::Format& format) const;
  // scale@logits multiplies every layer's bias by the product of the constants before it: the executor must
  // expose its bias slots, and no layer sees the activations it sees without this protection.
  bool rescales_biases() const { return scaling && scaling->at_logits; }
};

}  // namespace flipguard::protect
