// Ctrl-C (SIGINT) and SIGTERM end a run cleanly: the handlers only note the signal; long loops check it at
// points where stopping loses nothing recorded (between trials, between batches of a trial, which is then
// abandoned) and throw Interrupted, which the command reports with what was kept and exits 128 + signal.
// A second signal ends the process at once.
#pragma once

#include <stdexcept>
#include <string>

namespace flipguard::platform {

struct Interrupted : std::runtime_error {
  Interrupted(int sig, const std::string& what) : std::runtime_error(what), signal(sig) {}
  int signal;
};

void install_interrupt_handlers();
// The signal received (SIGINT, SIGTERM), or 0.
int interrupt_signal();
// Throws Interrupted when a signal was received.
void throw_if_interrupted();
// "SIGINT" / "SIGTERM".
std::string signal_name(int sig);

}  // namespace flipguard::platform
