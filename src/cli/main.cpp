// flipguard: what happens to a network when bits of its stored weights flip.
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/command.hpp"

using flipguard::cli::command_table;

namespace {
// Errors are one line (logs and scripts grep them); messages from libraries such as toml11 span several,
// with source excerpts: keep their text, joined by "; ", and drop lines that only draw (|, ~, ^).
std::string one_line(const std::string& message) {
  std::string out, line;
  std::istringstream in(message);
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t|~^\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    out += (out.empty() ? "" : "; ") + line.substr(first, last - first + 1);
  }
  return out;
}

void print_usage() {
  std::cerr << "usage: flipguard <command> [options]\n\ncommands:\n";
  for (const auto& [name, cmd] : command_table()) std::cerr << "  " << name << "\t" << cmd.summary << "\n";
  std::cerr << "\n'flipguard <command> --help' describes a command.\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  const auto it = command_table().find(argv[1]);
  if (it == command_table().end()) {
    std::cerr << "flipguard: unknown command '" << argv[1] << "'\n";
    print_usage();
    return 2;
  }
  try {
    return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "flipguard " << argv[1] << ": error: " << one_line(e.what()) << "\n";
    return 1;
  }
}
