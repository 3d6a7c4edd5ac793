// r2bench hands the commands that need libtorch over to build/r2bench-models, the executable beside
// it, as git does with its subcommands: execv with the same arguments, so the user sees one CLI while
// r2bench itself never maps libtorch (see cli/command_table.h).
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace r2::cli {

inline constexpr const char* kModelsExecutable = "r2bench-models";

// main() records its arguments first: a handed-over command gets them unchanged.
void remember_command_line(int argc, char** argv);

// The remembered command line as `r2bench …` with --resume added (what an interrupted run or
// training prints so that it can be continued), shell-quoted.
std::string resume_command();

// r2bench-models next to this process's own executable (/proc/self/exe); it may not exist.
std::filesystem::path models_executable();

// Replaces this process by r2bench-models with the remembered arguments. `what` names the command
// for the error when r2bench-models is absent (a build without libtorch): "`models`".
[[noreturn]] void hand_over(const std::string& what);

// Registers the table's command `path` (Runs::models) in r2bench: every argument after it, --help
// included, is left to r2bench-models, which runs it.
CLI::App* add_handed_over_command(CLI::App& parent, std::string_view path);

}  // namespace r2::cli
