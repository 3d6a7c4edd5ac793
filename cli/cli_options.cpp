#include "cli/cli_options.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2::cli {
namespace fs = std::filesystem;

int usage_error(CLI::App& app, const CLI::ParseError& e) {
    if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
        dynamic_cast<const CLI::CallForVersion*>(&e))
        return app.exit(e);
    std::string command = "r2bench";
    for (const CLI::App* sub : app.get_subcommands()) command += " " + sub->get_name();
    std::string message = e.what();
    std::vector<std::string> unknown;
    for (const std::string& arg : app.remaining(true))
        if (arg.rfind("-", 0) == 0) unknown.push_back(arg);
    if (!unknown.empty()) {
        message = fmt::format("unknown option {}", unknown.front());
        if (unknown.size() > 1) message += fmt::format(" (and {} more)", unknown.size() - 1);
    } else if (!app.remaining(true).empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
        message = fmt::format("unexpected argument {}", app.remaining(true).front());
    }
    fmt::print(stderr, "r2bench: error: {}\nSee `{} --help`.\n", message, command);
    return 2;
}

void add_out_options(CLI::App* cmd, OutOptions& o, const std::string& what) {
    cmd->add_option("--out", o.out, what + " (replaced when it holds an earlier output of this command)")->required();
    cmd->add_flag("--force", o.force, "Replace --out even when it holds something else");
}

OutputDir begin_output(const OutOptions& o, const std::string& command, const std::vector<fs::path>& inputs) {
    return OutputDir::begin(o.out, command, o.force, inputs);
}

void fail_with_problems(OutputDir& out, const std::vector<std::string>& problems) {
    constexpr size_t kShown = 20;  // as many as EvalInputError's message lists
    if (problems.size() <= kShown) {
        out.fail();
        throw;
    }
    const fs::path file = out.fail(problems);
    try {
        throw;
    } catch (const Error& e) {
        if (file.empty()) throw;
        throw Error(fmt::format("{}\n(all {} problems are listed in {})", e.what(), problems.size(), file.string()));
    }
}

std::string pairs_source_value(const fs::path& pairs, const std::string& key, const std::string& which) {
    if (pairs.empty()) return "";
    try {
        const auto root = nlohmann::json::parse(read_file(pairs));
        if (root.contains(which) && root[which].is_object() && root[which].contains(key) && root[which][key].is_string())
            return root[which][key].get<std::string>();
    } catch (const std::exception&) {
    }
    return "";
}

void resolve_from_pairs(const CLI::App* cmd, const std::string& option, std::string& value, const fs::path& pairs,
                        const std::string& key, const std::string& which) {
    const std::string recorded = pairs_source_value(pairs, key, which);
    if (recorded.empty()) return;
    if (cmd->count(option) == 0) {
        value = recorded;
    } else if (value != recorded) {
        throw Error(fmt::format("{} {}, but {} was built with {} {}; leave {} out (it is read from the pairs file)",
                                option, value, pairs.string(), key, recorded, option));
    }
}

}  // namespace r2::cli
