// A subcommand as data: its name, what it takes (campaign settings from the settings table, options of its
// own, positional arguments) and the function that runs it. Each src/cli/cmd_*.cpp registers one; main.cpp is
// the one shell that parses arguments, prints help and turns errors into exit codes for all of them.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "campaign/settings/campaign_config.hpp"
#include "data/manifest/manifest.hpp"

namespace flipguard::cli {

// A bad command line: exit code 2, the message, and a pointer to the command's --help.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// An option that is not a campaign setting (e.g. eval's --verbose). No metavar: a flag without a value.
struct LocalOption {
  std::string flag, metavar, help;
};

// What the shell hands a command: the settings (defaults, then --config, then flags), and the rest.
struct Arguments {
  campaign::CampaignConfig config;
  std::set<std::string> given;                // canonical flags of the settings given on the command line
  std::map<std::string, std::string> values;  // local options with a value
  std::set<std::string> flags;                // local options without one
  std::vector<std::string> positionals;
  std::string config_file;  // the --config study file, if any

  bool has(const std::string& flag) const { return flags.count(flag) || values.count(flag); }
  std::string value(const std::string& flag, const std::string& fallback = "") const {
    const auto it = values.find(flag);
    return it == values.end() ? fallback : it->second;
  }
  // A local option's value as a number; UsageError naming the flag when it is not one.
  double number(const std::string& flag, double fallback) const;
  // The files this command line reads (the --config file, the model and its sidecar when `spec` is given,
  // data, labels, classes): what no output of the command may overwrite.
  std::vector<std::filesystem::path> input_files(const data::Manifest* spec = nullptr) const;
};

struct CommandSpec {
  std::string name{}, summary{};
  std::string positionals{};  // their synopsis, e.g. "RESULTS.jsonl"; empty: the command takes none
  unsigned settings = 0;      // campaign::SettingScope bit of the settings it takes (0: none)
  bool config_file = false;   // takes --config FILE.toml (any setting's key; flags override it)
  std::vector<LocalOption> options{};
  std::string notes{};  // paragraphs printed after the options
  std::function<int(const Arguments&)> run{};
};

// Meyers singleton so registration from static initialisers in other files is order-safe.
inline std::map<std::string, CommandSpec>& command_table() {
  static std::map<std::string, CommandSpec> table;
  return table;
}

struct RegisterCommand {
  explicit RegisterCommand(CommandSpec spec) {
    const std::string name = spec.name;
    command_table().emplace(name, std::move(spec));
  }
};

// `--flag=value` as `--flag value`, for flags that take a value (before a "--" that ends the options; a
// value is never split).
std::vector<std::string> split_flag_values(const CommandSpec& spec, const std::vector<std::string>& args);
// Where the options of `args` end: the first "--" that is no option's value (args.size() without one).
// Everything after it is a positional, whatever it looks like.
std::size_t options_end(const CommandSpec& spec, const std::vector<std::string>& args);
// Parses `args` against the command's settings and options; UsageError for anything it does not take.
Arguments parse_arguments(const CommandSpec& spec, const std::vector<std::string>& args);
// The command's --help text (usage line, every option with its default, the notes).
std::string help_text(const CommandSpec& spec);

}  // namespace flipguard::cli
