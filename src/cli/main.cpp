// flipguard: what happens to a network when bits of its stored weights flip.
#include <exception>
#include <iostream>

#include "cli/command.hpp"

using flipguard::cli::command_table;

namespace {
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
    std::cerr << "flipguard " << argv[1] << ": error: " << e.what() << "\n";
    return 1;
  }
}
