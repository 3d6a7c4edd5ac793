// What every benchmark needs: best-of-N timing, and the output of a baseline run in another process.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace r2::cli {

// The shortest of `repeats` runs of `work`, in seconds.
double best_seconds(int repeats, const std::function<void()>& work);

// Runs a shell command; returns its exit status (−1 when it cannot start) and its stdout+stderr.
int run_command_output(const std::string& command, std::string& output);

// Wall-clock seconds of one run of the program `argv[0]` (no shell; stdout and stderr to /dev/null);
// r2::Error when it cannot start or exits non-zero.
double process_seconds(const std::vector<std::string>& argv);

}  // namespace r2::cli
