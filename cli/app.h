// What the main() of both executables (r2bench and r2bench-models) share: the global options and
// the mapping of errors to exit codes.
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace r2::cli {

// --version, --threads and --quiet on `app`, named "r2bench" in usage lines; `after_parse` runs once
// the command line is parsed (after --threads took effect).
void add_global_options(CLI::App& app, std::function<void()> after_parse = {});

// Parses and runs the command: its exit code, 2 for a usage error or an r2::Error (printed as
// `r2bench: error: …`), 3 for an unexpected exception.
int parse_and_run(CLI::App& app, int argc, char** argv, const int& exit_code);

}  // namespace r2::cli
