// flipguard: what happens to a network when bits of its stored weights flip.
// The one command shell: every subcommand's help, argument parsing and error handling happen here, alike.
#include <algorithm>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "cli/version.hpp"
#include "platform/interrupt.hpp"
#include "platform/memory_budget.hpp"
#include "platform/process_setup.hpp"

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

void print_usage(std::ostream& out) {
  out << "usage: flipguard <command> [options]\n\ncommands:\n";
  for (const auto& [name, cmd] : command_table()) {
    out << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << cmd.summary << "\n";
  }
  out << "\n'flipguard help <command>' or 'flipguard <command> --help' describes a command; "
         "'flipguard --version' prints the version.\n";
}

bool is_help(const std::string& arg) {
  return arg == "--help" || arg == "-h";
}
}  // namespace

int main(int argc, char** argv) {
  flipguard::platform::prepare_process();
  flipguard::platform::install_interrupt_handlers();
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return 2;
  }
  if (is_help(args[0])) {
    print_usage(std::cout);  // asked for: standard output
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << flipguard::cli::version_text();
    return 0;
  }
  std::string name = args[0];
  bool help = false;
  if (name == "help") {
    if (args.size() == 1) {
      print_usage(std::cout);
      return 0;
    }
    name = args[1];
    help = true;
  }
  const auto it = command_table().find(name);
  if (it == command_table().end()) {
    std::cerr << "flipguard: unknown command '" << name << "'\n";
    print_usage(std::cerr);
    return 2;
  }
  const auto& spec = it->second;
  const std::vector<std::string> rest = flipguard::cli::split_flag_values(
      spec, std::vector<std::string>(args.begin() + (help ? 2 : 1), args.end()));
  // "--help" after "--" is a file's name, not a request.
  const auto options = rest.begin() + static_cast<std::ptrdiff_t>(flipguard::cli::options_end(spec, rest));
  help = help || std::any_of(rest.begin(), options, is_help);
  if (help) {
    std::cout << flipguard::cli::help_text(spec);
    return 0;
  }
  try {
    return spec.run(flipguard::cli::parse_arguments(spec, rest));
  } catch (const flipguard::platform::Interrupted& e) {
    std::cerr << "flipguard " << name << ": " << one_line(e.what()) << "\n";
    return 128 + e.signal;
  } catch (const flipguard::cli::UsageError& e) {
    std::cerr << "flipguard " << name << ": " << one_line(e.what()) << "\n"
              << "(run 'flipguard " << name << " --help' for its options)\n";
    return 2;
  } catch (const std::bad_alloc&) {
    // The last resort: every big allocation names itself; this one did not.
    std::cerr << "flipguard " << name << ": error: "
              << flipguard::platform::out_of_memory("a buffer of the " + name + " run", 0).what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "flipguard " << name << ": error: " << one_line(e.what()) << "\n";
    return 1;
  }
}
