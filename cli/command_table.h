// Every command of r2bench, its one-line description, and which executable runs it. Torch-free.
//
// r2bench is two executables with one CLI: build/r2bench (scoring, data sets, reference runs,
// conversions; it never links libtorch, so `eval` and `--help` start in milliseconds) and
// build/r2bench-models beside it (the commands that need libtorch), to which r2bench hands those
// commands over with execv, as git does with its subcommands (cli/handover.h). Both take names and
// descriptions from this table, so `r2bench --help` lists every command as the executable that runs
// it describes it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace r2::cli {

enum class Runs {
    scoring,  // in r2bench
    models,   // in r2bench-models (libtorch): r2bench hands it over
    both,     // `run`: the reference models in r2bench, the neural ones handed over
};

struct CommandInfo {
    std::string_view path;  // "eval", or "bench msda" for a subcommand of bench
    std::string_view description;
    Runs runs;
};

const std::vector<CommandInfo>& command_table();

// The table's entry for `path`; std::logic_error for a path not in it (a programming error).
const CommandInfo& command_info(std::string_view path);

// parent.add_subcommand(last word of path, its description).
CLI::App* add_command(CLI::App& parent, std::string_view path);

}  // namespace r2::cli
