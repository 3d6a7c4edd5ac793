// Options that several commands share, so that one thing has one name and one behaviour in all of them.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/output_dir.h"

namespace r2::cli {

// A command-line mistake: `r2bench: error: …` naming the unknown option (before a missing required
// one, which is often the same mistake: `--prediction x` for `--pred x`), exit code 2. --help and
// --version go through CLI11 (exit 0).
int usage_error(CLI::App& app, const CLI::ParseError& e);

// --out FOLDER and --force, with the behaviour of core/output_dir.h (described once in README.md).
struct OutOptions {
    std::string out;
    bool force = false;
};
void add_out_options(CLI::App* cmd, OutOptions& o, const std::string& what);
// Checks --out before any work; `inputs` must not be deleted by replacing it.
OutputDir begin_output(const OutOptions& o, const std::string& command,
                       const std::vector<std::filesystem::path>& inputs = {},
                       const std::function<void()>& while_locked = {});

// Call from a `catch (const EvalInputError&)` around the work: the problem list is kept in full in
// OutputDir::problems_file() beside --out (the message, which shows the first ones, names the file),
// --out is left as it was; then rethrows.
[[noreturn]] void fail_with_problems(OutputDir& out, const std::vector<std::string>& problems);

// The Ref-YouTube-VOS (or Ref-DAVIS, MeViS) root is --source in every command; --gt is an alias.
template <typename T>
CLI::Option* add_source_option(CLI::App* cmd, T& source, const std::string& help) {
    return cmd->add_option("--source,--gt", source, help);
}

// What r2_pairs.json records about the source it was built on (its "source" entry, or "" where
// absent): `key` is "split" or "format". An unreadable file gives "" (the loader reports it later).
std::string pairs_source_value(const std::filesystem::path& pairs, const std::string& key,
                               const std::string& which = "source");

// An option whose value a pairs file records: taken from the file when not given, and refused
// when given differently (one line, instead of a list of every expression that then mismatches).
void resolve_from_pairs(const CLI::App* cmd, const std::string& option, std::string& value,
                        const std::filesystem::path& pairs, const std::string& key, const std::string& which = "source");

// Numeric options read as a person writes them: "--videos: must be ≥ 1, not -3" (CLI11's own
// ranges print their bounds with 300 digits). "-1" is refused for unsigned counts, seeds and sizes
// instead of wrapping around to 2^64 - 1.
CLI::Option* non_negative(CLI::Option* option);
CLI::Option* at_least(CLI::Option* option, double minimum);
CLI::Option* between(CLI::Option* option, double minimum, double maximum);

// The closest of `candidates` to `word` ("" when none is close): for "did you mean …?" hints.
std::string closest_word(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace r2::cli
