// SIGINT (Ctrl-C) and SIGTERM (what Slurm sends before it kills a job) during long work (`run`,
// `train`): the first signal asks the work to stop at its next safe point — after the current
// expression or optimizer step — so that what is complete is kept and `--resume` continues; a
// second signal ends the process at once (the default action).
#pragma once
#include <string>

#include "core/error.h"

namespace r2 {

// Installs the handlers (idempotent). Only commands with a safe point to stop at call it.
void catch_interrupts();

// 0 until SIGINT or SIGTERM arrives after catch_interrupts(); then that signal's number.
int interrupt_signal();

// For tests: forget a caught signal.
void clear_interrupt();

// Thrown at the safe point. The CLI prints what() and exits with 128 + signal (130, 143).
class Interrupted : public Error {
public:
    Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
    int signal() const { return signal_; }
    int exit_code() const { return 128 + signal_; }

private:
    int signal_;
};

// "SIGINT" / "SIGTERM" / "signal N".
std::string signal_name(int signal);

}  // namespace r2
