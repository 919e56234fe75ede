// InterruptScope: a host process (the Python module) takes over SIGINT/SIGTERM for one run and gets its own
// handlers back afterwards, with no signal left over for the next run.
#include <gtest/gtest.h>

#include <csignal>

#include "platform/interrupt.hpp"

namespace {

volatile std::sig_atomic_t host_saw = 0;
extern "C" void host_handler(int sig) {
  host_saw = sig;
}

TEST(InterruptScope, NotesSignalsWhileActiveAndRestoresTheHostsHandlers) {
  using namespace flipguard::platform;
  std::signal(SIGINT, host_handler);
  std::signal(SIGTERM, host_handler);
  {
    InterruptScope scope;
    EXPECT_EQ(interrupt_signal(), 0);
    EXPECT_NO_THROW(throw_if_interrupted());
    std::raise(SIGINT);
    EXPECT_EQ(interrupt_signal(), SIGINT);
    EXPECT_THROW(throw_if_interrupted(), Interrupted);
    std::raise(SIGINT);  // a second one is noted too: the host process lives on
    std::raise(SIGTERM);
    EXPECT_EQ(interrupt_signal(), SIGTERM);
    EXPECT_EQ(host_saw, 0);
  }
  EXPECT_EQ(interrupt_signal(), 0);  // forgotten: the next run starts clean
  std::raise(SIGINT);
  EXPECT_EQ(host_saw, SIGINT);  // the host's handler is back
  EXPECT_EQ(interrupt_signal(), 0);
  std::raise(SIGTERM);
  EXPECT_EQ(host_saw, SIGTERM);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace
