#include "cli/cli_options.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2::cli {
namespace fs = std::filesystem;

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string number_text(double v) {
    return v == double(int64_t(v)) ? std::to_string(int64_t(v)) : fmt::format("{}", v);
}

// " (did you mean `x`?)" or "".
std::string hint(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string best = closest_word(word, candidates);
    return best.empty() ? "" : fmt::format(" (did you mean `{}`?)", best);
}

std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options()) {
        for (const auto& name : option->get_lnames()) names.push_back("--" + name);
        for (const auto& name : option->get_snames()) names.push_back("-" + name);
    }
    if (const CLI::App* parent = app.get_parent())  // global options may follow the command
        for (const auto& name : option_names(*parent)) names.push_back(name);
    return names;
}

}  // namespace

std::string closest_word(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        // Close in spelling, or one a shortened / lengthened form of the other (--prediction, --pred).
        const bool affix = (c.rfind(word, 0) == 0 && word.size() >= 4) || (word.rfind(c, 0) == 0 && c.size() >= 4);
        if (d < best_distance || (affix && best.empty())) best = c, best_distance = d;
    }
    return best;
}

int usage_error(CLI::App& app, const CLI::ParseError& e) {
    if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
        dynamic_cast<const CLI::CallForVersion*>(&e))
        return app.exit(e);
    std::string command = "r2bench";
    const CLI::App* innermost = &app;
    for (const CLI::App* sub = &app; sub && !sub->get_subcommands().empty();) {
        sub = sub->get_subcommands().front();
        command += " " + sub->get_name();
        innermost = sub;
    }
    std::string message = e.what();
    std::vector<std::string> unknown, positional;
    for (const std::string& arg : app.remaining(true)) (arg.rfind("-", 0) == 0 ? unknown : positional).push_back(arg);
    if (innermost == &app && !positional.empty()) {
        // `r2bench evl --pred x`: the command is what is wrong, not the options after it.
        std::vector<std::string> commands;
        for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
        message = fmt::format("unknown command '{}'{}", positional.front(), hint(positional.front(), commands));
    } else if (!unknown.empty()) {
        const std::string name = unknown.front().substr(0, unknown.front().find('='));
        message = fmt::format("unknown option {}{}", name, hint(name, option_names(*innermost)));
        if (unknown.size() > 1) message += fmt::format(" (and {} more)", unknown.size() - 1);
    } else if (!positional.empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
        message = fmt::format("unexpected argument {}", positional.front());
    }
    fmt::print(stderr, "r2bench: error: {}\nSee `{} --help`.\n", message, command);
    return 2;
}

CLI::Option* non_negative(CLI::Option* option) { return at_least(option, 0); }

namespace {
// "must be ≥ 1, not -3" / "must be between 16 and 16384, not 5" ("" when `value` is in range).
CLI::Validator range(double minimum, double maximum) {
    const bool open_above = maximum == std::numeric_limits<double>::infinity();
    const std::string bounds = open_above ? "≥ " + number_text(minimum)
                                          : fmt::format("between {} and {}", number_text(minimum), number_text(maximum));
    return CLI::Validator(
        [=](std::string& value) -> std::string {
            double v = 0;
            size_t used = 0;
            try {
                v = std::stod(value, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used == 0 || used != value.size()) return "must be a number, not " + value;
            return v < minimum || v > maximum ? fmt::format("must be {}, not {}", bounds, value) : std::string();
        },
        bounds);
}
}  // namespace

CLI::Option* at_least(CLI::Option* option, double minimum) {
    return option->check(range(minimum, std::numeric_limits<double>::infinity()));
}

CLI::Option* between(CLI::Option* option, double minimum, double maximum) { return option->check(range(minimum, maximum)); }

void add_out_options(CLI::App* cmd, OutOptions& o, const std::string& what) {
    cmd->add_option("--out", o.out, what + " (replaced when it holds an earlier output of this command)")->required();
    cmd->add_flag("--force", o.force, "Replace --out even when it holds something else");
}

OutputDir begin_output(const OutOptions& o, const std::string& command, const std::vector<fs::path>& inputs,
                       const std::function<void()>& while_locked) {
    return OutputDir::begin(o.out, command, o.force, inputs, while_locked);
}

void fail_with_problems(OutputDir& out, const std::vector<std::string>& problems) {
    // --out stays as it was; the full list goes beside it, and the message names that file.
    const fs::path file = out.fail(problems);
    try {
        throw;
    } catch (const Error& e) {
        if (file.empty()) throw;
        throw Error(fmt::format("{}\n(all {} problem{} are listed in {}; {} is unchanged)", e.what(), problems.size(),
                                problems.size() == 1 ? "" : "s", file.string(), out.final_path().string()));
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
