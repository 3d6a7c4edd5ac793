#include "core/interrupt.h"

#include <atomic>
#include <csignal>

#include <fmt/format.h>

namespace r2 {

namespace {
std::atomic<int> caught{0};

extern "C" void on_signal(int signal) {
    // SA_RESETHAND has restored the default action: a second Ctrl-C ends the process.
    caught.store(signal);
}
}  // namespace

void catch_interrupts() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() { return caught.load(); }

void clear_interrupt() { caught.store(0); }

std::string signal_name(int signal) {
    if (signal == SIGINT) return "SIGINT";
    if (signal == SIGTERM) return "SIGTERM";
    return fmt::format("signal {}", signal);
}

}  // namespace r2
