// flipguard inspect-format: what a single bit flip does to one stored weight, with and without scaling.
#include <cmath>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "memory/format.hpp"
#include "protect/flip_table.hpp"

namespace {

// A weight is stored from a 32-bit float: a number that float cannot hold is refused, not silently rounded to
// 0 or infinity (subnormal floats, down to 1.4e-45, are kept).
float float_value(const flipguard::cli::Arguments& args, const std::string& flag, double fallback) {
  const double v = args.number(flag, fallback);
  const auto f = static_cast<float>(v);
  if (!std::isfinite(f))
    throw flipguard::cli::UsageError(flag + " " + args.value(flag) +
                                     " is beyond the largest 32-bit float (3.4e38)");
  if (v != 0 && f == 0)
    throw flipguard::cli::UsageError(flag + " " + args.value(flag) +
                                     " rounds to 0 as a 32-bit float (the smallest is 1.4e-45)");
  return f;
}

int run(const flipguard::cli::Arguments& args) {
  if (args.has("--no-scale") && args.has("--scale-t"))
    throw flipguard::cli::UsageError("--scale-t and --no-scale exclude each other");
  std::optional<float> target, max_abs;
  if (args.has("--scale-t")) target = float_value(args, "--scale-t", 0);
  if (args.has("--max-abs")) max_abs = float_value(args, "--max-abs", 0);
  const auto table = flipguard::protect::build_flip_table(
      flipguard::memory::Format::parse(args.value("--format", "q2.5")), float_value(args, "--value", 0.3),
      max_abs, target, !args.has("--no-scale"));
  std::cout << flipguard::protect::render_flip_table(table);
  return 0;
}

const flipguard::cli::RegisterCommand reg{
    {.name = "inspect-format",
     .summary = "show what each single bit flip does to one stored weight, with and without weight scaling",
     .options =
         {{"--format", "F",
           "storage format: fp32, fp16, bf16, qM.N (e.g. q2.5, q7.8), int8, int8-channel (default q2.5)"},
          {"--value", "V", "the weight to store (default 0.3)"},
          {"--scale-t", "T",
           "weight-scaling target t, c = t / max-abs (default: the format's, e.g. 3.96875 for q2.5)"},
          {"--no-scale", "", "show the unscaled storage only"},
          {"--max-abs", "M",
           "max|W| of the tensor holding the value (default |V|); sets c and the int8 "
           "scale"}},
     .notes =
         "Storing rounds to nearest, ties to even (fp32 stores exactly). Beyond the range, floats overflow: "
         "fp16 and bf16 store Inf (fp16 from |x| >= 65520). Qm.n saturates to [-2^m, 2^m - 2^-n] and int8 to "
         "[-127, 127] times the scale (max|W| / 127; the pattern -128 is never written); both refuse NaN.\n"
         "Reading gives what hardware would: a flipped float pattern that is Inf or NaN reads as Inf or NaN "
         "(making it harmless is the job of the nanguard and clip protections); every Qm.n pattern is a "
         "finite number; the int8 pattern 0x80 reads as -128 times the scale. See docs/protections.md.",
     .run = run}};

}  // namespace
