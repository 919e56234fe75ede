#include "platform/interrupt.hpp"

#include <csignal>

namespace flipguard::platform {
namespace {

volatile std::sig_atomic_t received = 0;

extern "C" void note_signal(int sig) {
  received = sig;
  std::signal(sig, SIG_DFL);  // the next one is not caught: a second Ctrl-C ends the process
}

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, note_signal);
  std::signal(SIGTERM, note_signal);
}

int interrupt_signal() {
  return received;
}

void throw_if_interrupted() {
  if (const int sig = received) throw Interrupted(sig, "interrupted by " + signal_name(sig));
}

std::string signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal " + std::to_string(sig);
}

}  // namespace flipguard::platform
