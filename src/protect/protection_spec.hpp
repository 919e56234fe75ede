// Which protections wrap a stored tensor, parsed from strings such as "scale+ecc72+clip".
#pragma once

#include <optional>
#include <string>
#include <string_view>

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
    std::optional<float> target;  // t; default_scale_target(format) when unset
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
  //   ecc72 | ecc39 | ecc13, optionally ":keep" or ":zero" SECDED (72,64)/(39,32)/(13,8); ":zero" is default
  //   clip | clip-channel                                 clamp to the clean range
  //   nanguard                                            NaN/Inf -> 0
  //   none (alone, or the empty string)                   nothing
  // Errors throw std::invalid_argument naming the token and the whole spec.
  static ProtectionSpec parse(std::string_view text);
  std::string to_string() const;  // canonical form, parse(to_string()) gives the same spec
};

}  // namespace flipguard::protect
