// Which protections wrap a stored tensor, parsed from strings such as "scale+ecc72+clip": the one grammar
// and canonical form of a protection, which campaigns record.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "memory/format.hpp"
#include "protect/secded.hpp"
#include "protect/weight_scaling.hpp"

namespace flipguard::protect {

enum class DoubleErrorPolicy {
  zero,  // every weight touching a word with a detected-uncorrectable error reads as 0
  keep,  // such weights are used as read
};

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

  // Tokens joined by '+', any order, each at most once:
  //   scale | scale=T | scale-channel | scale-channel=T   weight scaling (per tensor / per output channel)
  //   scale@logits | scale@logits=T                       weights stay scaled, only the logits are divided
  //   ecc72 | ecc39 | ecc13, optionally ":keep" or ":zero" SECDED (72,64)/(39,32)/(13,8); ":zero" is default
  //   clip | clip-channel                                 clamp to the clean range
  //   nanguard                                            NaN/Inf -> 0
  //   none (alone, or the empty string)                   nothing
  // Errors throw std::invalid_argument naming the token and the whole spec.
  static ProtectionSpec parse(std::string_view text);
  std::string to_string() const;  // canonical form, parse(to_string()) gives the same spec

  // The scaling target t in `format`: its own or the format's default; 0 without scaling.
  double scale_target(const memory::Format& format) const;
  // Throws std::invalid_argument when t exceeds the largest value `format` stores: the scaled weights would
  // saturate. INT8 ignores t.
  void check_format(const memory::Format& format) const;
  // scale@logits multiplies every layer's bias by the product of the constants before it: the executor must
  // expose its bias slots, and no layer sees the activations it sees without this protection.
  bool rescales_biases() const { return scaling && scaling->at_logits; }
};

}  // namespace flipguard::protect
