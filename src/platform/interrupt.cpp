#include "platform/interrupt.hpp"

#include <csignal>

namespace flipguard::platform {
namespace {

volatile std::sig_atomic_t received = 0;
// 0 inside an InterruptScope: a host process outlives a second signal too.
volatile std::sig_atomic_t second_signal_ends_process = 1;

extern "C" void note_signal(int sig) {
  received = sig;
  if (second_signal_ends_process)
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

InterruptScope::InterruptScope() {
  received = 0;
  second_signal_ends_process = 0;
  struct sigaction action {};
  action.sa_handler = note_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  second_signal_ends_process = 1;
  received = 0;
}

}  // namespace flipguard::platform
