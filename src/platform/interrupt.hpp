// Ctrl-C (SIGINT) and SIGTERM end a run cleanly: the handlers only note the signal; long loops check it at
// points where stopping loses nothing recorded (between trials, between batches of a trial, which is then
// abandoned) and throw Interrupted, which the command reports with what was kept and exits 128 + signal.
// A second signal ends the process at once.
#pragma once

#include <signal.h>

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

// The same handling for the lifetime of one run inside a host process that has signal handling of its own
// (the Python module: a notebook's interrupt must stop a campaign between trials, not kill the kernel). On
// construction it forgets any signal noted before and installs the handlers, which here keep noting every
// signal (the host stays alive); on destruction it puts back the handlers it found and forgets the signal
// again, so the host's next run starts clean.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction previous_int_ {
  }, previous_term_{};
};

}  // namespace flipguard::platform
