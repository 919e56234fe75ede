// Subcommand registry: each src/cli/cmd_*.cpp registers itself, main() only dispatches.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace flipguard::cli {

using CommandFn = std::function<int(const std::vector<std::string>& args)>;

struct Command {
  std::string summary;
  CommandFn run;
};

// Meyers singleton so registration from static initialisers in other files is order-safe.
inline std::map<std::string, Command>& command_table() {
  static std::map<std::string, Command> table;
  return table;
}

struct RegisterCommand {
  RegisterCommand(const std::string& name, const std::string& summary, CommandFn fn) {
    command_table().emplace(name, Command{summary, std::move(fn)});
  }
};

}  // namespace flipguard::cli
