// Runs the flipguard CLI as a user would, with stdout and stderr kept apart, and checks the contract for bad
// input: a non-zero exit (not a signal), and one error line on stderr that names what was wrong.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace flipguard::testing {

struct CliResult {
  int exit_code = -1;  // -1: did not exit normally (signal)
  int signal = 0;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `flipguard args...`; `ulimit_kib` > 0 caps the address space (ulimit -v) of that run only; a run
// longer than `timeout_s` is killed (a hang shows as signal 9, not as a stuck test); `cwd`, when given, is
// the folder it runs in (for relative file names).
inline CliResult run_cli(const std::vector<std::string>& args, long ulimit_kib = 0, int timeout_s = 600,
                         const std::filesystem::path& cwd = {}) {
  static int counter = 0;
  const auto base = std::filesystem::temp_directory_path() /
                    ("flipguard-cli-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of shadow address space at start, so no address-space cap can apply
  // to a sanitized binary: the checks still run uncapped here, and the unsanitized suite runs them capped.
  ulimit_kib = 0;
#endif
  std::string cmd = cwd.empty() ? "" : "cd " + shell_quote(cwd.string()) + " && ";
  cmd += ulimit_kib > 0 ? "ulimit -v " + std::to_string(ulimit_kib) + "; exec " : "exec ";
  cmd += "timeout -s KILL " + std::to_string(timeout_s) + " " + shell_quote(FLIPGUARD_BINARY);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(base.string() + ".out") + " 2>" + shell_quote(base.string() + ".err");
  const int status = std::system(("sh -c " + shell_quote(cmd)).c_str());
  CliResult r;
  if (status != -1 && WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    // sh reports a child killed by signal N as exit 128+N.
    if (r.exit_code > 128) {
      r.signal = r.exit_code - 128;
      r.exit_code = -1;
    }
  }
  r.out = read_file(base.string() + ".out");
  r.err = read_file(base.string() + ".err");
  std::filesystem::remove(base.string() + ".out");
  std::filesystem::remove(base.string() + ".err");
  return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  return lines;
}

// The bad-input contract: exit code 1 or 2 (2: usage), no crash, and one error line on stderr besides
// warnings: "flipguard <cmd>: error: ...", or "flipguard <cmd>: <problem>" followed by the usage (exit 2),
// containing every fragment.
inline ::testing::AssertionResult one_line_error(const CliResult& r,
                                                 const std::vector<std::string>& fragments) {
  if (r.exit_code != 1 && r.exit_code != 2)
    return ::testing::AssertionFailure()
           << "exit code " << r.exit_code << " (signal " << r.signal << "), stderr:\n"
           << r.err;
  std::vector<std::string> errors;
  // Progress and notes a run prints before it meets the problem are not errors.
  for (const auto& l : lines_of(r.err))
    if (!l.starts_with("warning: ") && !l.starts_with("note: ") && !l.starts_with("memory estimate: ") &&
        !l.starts_with("trial "))
      errors.push_back(l);
  // A usage error (exit 2) is followed by the usage text; any other error is the only line.
  if (errors.empty() || (r.exit_code == 1 && errors.size() != 1) || !errors[0].starts_with("flipguard "))
    return ::testing::AssertionFailure() << "expected one error line, stderr:\n" << r.err;
  for (const auto& f : fragments)
    if (errors[0].find(f) == std::string::npos)
      return ::testing::AssertionFailure() << "error line lacks '" << f << "': " << errors[0];
  for (const char* crash : {"std::bad_alloc", "terminate called", "Segmentation", "basic_string"})
    if (r.err.find(crash) != std::string::npos)
      return ::testing::AssertionFailure() << "stderr shows a crash or raw exception: " << r.err;
  return ::testing::AssertionSuccess();
}

}  // namespace flipguard::testing
