// flipguard inspect-format: what a single bit flip does to one stored weight, with and without scaling.
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "memory/format.hpp"
#include "protect/flip_table.hpp"

namespace {

const char* const kUsage =
    "usage: flipguard inspect-format [--format F] [--value V] [--scale-t T | --no-scale] [--max-abs M]\n"
    "  --format F    storage format: fp32, fp16, bf16, qM.N (e.g. q2.5, q7.8), int8, int8-channel (default "
    "q2.5)\n"
    "  --value V     the weight to store (default 0.3)\n"
    "  --scale-t T   weight-scaling target t, c = t / max-abs (default: the format's, e.g. 3.96875 for "
    "q2.5)\n"
    "  --no-scale    show the unscaled storage only\n"
    "  --max-abs M   max|W| of the tensor holding the value (default |V|); sets c and the int8 scale\n";

float parse_number(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  float v = 0;
  try {
    v = std::stof(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument(flag + " expects a number, got '" + text + "'");
  return v;
}

int run(const std::vector<std::string>& args) {
  std::string format = "q2.5";
  float value = 0.3f;
  std::optional<float> target, max_abs;
  bool scaling = true;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      }
      if (a == "--no-scale") {
        scaling = false;
        continue;
      }
      if (a != "--format" && a != "--value" && a != "--scale-t" && a != "--max-abs")
        throw std::invalid_argument("unknown option '" + a + "'");
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--format") format = v;
      if (a == "--value") value = parse_number(a, v);
      if (a == "--scale-t") target = parse_number(a, v);
      if (a == "--max-abs") max_abs = parse_number(a, v);
    }
    if (!scaling && target) throw std::invalid_argument("--scale-t and --no-scale exclude each other");
    const auto table =
        flipguard::protect::build_flip_table(flipguard::memory::Format::parse(format), value, max_abs, target, scaling);
    std::cout << flipguard::protect::render_flip_table(table);
    return 0;
  } catch (const std::invalid_argument& e) {
    std::cerr << "flipguard inspect-format: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

const flipguard::cli::RegisterCommand reg{
    "inspect-format",
    "show what each single bit flip does to one stored weight, with and "
    "without weight scaling",
    run};

}  // namespace
