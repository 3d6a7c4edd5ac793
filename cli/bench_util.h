// What every benchmark needs: best-of-N timing, and the output of a baseline run in another process.
#pragma once
#include <functional>
#include <string>

namespace r2::cli {

// The shortest of `repeats` runs of `work`, in seconds.
double best_seconds(int repeats, const std::function<void()>& work);

// Runs a shell command; returns its exit status (−1 when it cannot start) and its stdout+stderr.
int run_command_output(const std::string& command, std::string& output);

}  // namespace r2::cli
