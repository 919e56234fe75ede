// What a single bit flip does to one stored weight, for every bit position, with and without weight
// scaling: the picture behind `flipguard inspect-format`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/format.hpp"

namespace flipguard::protect {

struct FlipRow {
  unsigned bit;  // bit index in the element (0 = LSB)
  memory::BitRole role;
  unsigned field_bit;  // index within its field (0 = the field's LSB)
  bool field_msb;      // the top bit of its field
  float plain_read;    // value read after flipping this bit, unscaled storage
  double plain_error;  // |plain_read - fault-free plain read|; NaN reads count as +Inf
  float scaled_read;   // same with weight scaling (read = decode/c)
  double scaled_error;
};

struct FlipTable {
  memory::Format format = memory::Format::fp32();
  float value = 0.0f;
  float max_abs = 0.0f;     // max|W| of the tensor the value belongs to; sets c and the INT8 scale
  bool scaling = true;      // whether the scaled columns mean anything (false: --no-scale)
  float target = 1.0f;      // t
  float factor = 1.0f;      // c = t / max_abs (1 for int8, where scaling is a no-op)
  float int8_scale = 1.0f;  // max_abs / 127 for int8 formats
  std::uint32_t plain_pattern = 0, scaled_pattern = 0;
  float plain_read = 0.0f, scaled_read = 0.0f;  // fault-free reads
  std::vector<FlipRow> rows;                    // from the most significant bit down
  double plain_mean = 0, plain_max = 0, scaled_mean = 0, scaled_max = 0;
};

// `max_abs` defaults to |value|; `target` to default_scale_target(format). Throws std::invalid_argument for a
// non-finite value, max_abs < |value| (the value could not belong to that tensor) or a bad target.
FlipTable build_flip_table(const memory::Format& format, float value,
                           std::optional<float> max_abs = std::nullopt,
                           std::optional<float> target = std::nullopt, bool scaling = true);

// Stored bits, most significant first, fields separated by '|': q2.5 0.3 -> "0|01|00110".
std::string grouped_bits(const memory::Format& format, std::uint32_t pattern);

// The human-readable report printed by the CLI.
std::string render_flip_table(const FlipTable& table);

}  // namespace flipguard::protect
