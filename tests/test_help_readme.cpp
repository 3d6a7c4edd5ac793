// Help, README and code cannot drift apart: every command's --help ends with an example, every
// option and model the README names exists in the command's --help, and the README's and the
// help's examples written against the demo's data (build/demo) run as typed.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli/command_table.h"
#include "core/atomic_file.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

const fs::path repo_root = fs::path(R2BENCH_FIXTURES).parent_path().parent_path();
const std::string bin = R2BENCH_BINARY;

bool models_binary_present() { return test::models_executable_beside(bin); }

std::string help_of(const std::string& command) {
    std::string out;
    const int code = run_command(fmt::format("{} {} --help", bin, command), &out);
    REQUIRE_MESSAGE(code == 0, command, out);
    return out;
}

// The example a help text ends with: its last line, which must start with "  r2bench ".
std::string last_line(const std::string& text) {
    std::istringstream in(text);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t") != std::string::npos) last = line;
    return last;
}

struct ReadmeCommand {
    std::string command;  // "eval", "bench msda"
    std::string line;     // the whole (joined) line
};

// The r2bench command lines of README.md's code blocks, continuation lines joined; `blocks` gets the
// lines of each ```bash block (the others show output).
std::vector<ReadmeCommand> readme_commands(std::vector<std::vector<std::string>>* blocks = nullptr) {
    std::ifstream in(repo_root / "README.md");
    REQUIRE(in);
    std::vector<ReadmeCommand> commands;
    std::string line, joined;
    bool in_code = false, in_bash = false;
    while (std::getline(in, line)) {
        if (line.rfind("```", 0) == 0) {
            in_code = !in_code;
            in_bash = in_code && line == "```bash";
            if (in_bash && blocks) blocks->emplace_back();
            continue;
        }
        if (!in_code) continue;
        if (in_bash && blocks) blocks->back().push_back(line);
        joined += line;
        if (!joined.empty() && joined.back() == '\\') {
            joined.pop_back();
            continue;
        }
        const std::string text = joined.substr(0, joined.find("   #"));
        joined.clear();
        static const std::regex call(R"((?:^|[|;&(]\s*|do\s+)(?:build/)?r2bench\s+((?:bench\s+)?[a-z][a-z-]*))");
        std::smatch m;
        if (std::regex_search(text, m, call)) commands.push_back({std::regex_replace(m[1].str(), std::regex(R"(\s+)"), " "), text});
    }
    return commands;
}

}  // namespace

TEST_CASE("every command's --help ends with an example, and each option and model the README names exists") {
    const bool models = models_binary_present();
    std::map<std::string, std::string> help;
    for (const auto& c : cli::command_table()) {
        const std::string path(c.path);
        if (c.runs == cli::Runs::models && !models) continue;
        CAPTURE(path);
        help[path] = help_of(path);
        if (path == "run" && !models) continue;  // the neural part of run's help is r2bench's too, but tested with it
        const std::string example = last_line(help[path]);
        CHECK_MESSAGE(example.rfind("  r2bench ", 0) == 0, "the help of `", path, "` does not end with an example: ", example);
        CHECK(help[path].find("Example") != std::string::npos);
    }
    const std::string global = help_of("");

    // Options: each --option on a README command line is one of that command's (or a global one).
    int checked = 0;
    for (const auto& rc : readme_commands()) {
        if (!help.count(rc.command)) continue;  // a command of r2bench-models in a build without it
        CAPTURE(rc.line);
        static const std::regex option(R"((?:^|[\s\[|(])(--[a-z][a-z0-9-]*))");
        for (auto it = std::sregex_iterator(rc.line.begin(), rc.line.end(), option); it != std::sregex_iterator(); ++it) {
            const std::string name = (*it)[1];
            if (name == "--help" || name == "--version") continue;
            // Arguments after ` -- ` belong to another program (scripts/slurm/submit.sh passes them on).
            const bool found = help[rc.command].find(name) != std::string::npos || global.find(name) != std::string::npos;
            CHECK_MESSAGE(found, "README names ", name, " for `r2bench ", rc.command, "`, which has no such option");
            ++checked;
        }
        // Models: every concrete --model name the README uses is one `run --help` lists.
        static const std::regex model(R"(--model\s+([a-z0-9_|-]+))");
        std::smatch m;
        if (std::regex_search(rc.line, m, model) && help.count("run") && models) {
            std::stringstream names(m[1].str());
            std::string name;
            while (std::getline(names, name, '|'))
                CHECK_MESSAGE(help["run"].find(name) != std::string::npos, "README runs --model ", name, ", which `run --help` does not list");
        }
    }
    CHECK(checked > 50);  // the README's command lines were found
}

TEST_CASE("the README's and the help's examples on the demo's data run as typed") {
    if (!models_binary_present()) return;  // the demo runs the tiny neural models
    TempDir dir;
    const std::string demo = (dir / "demo").string();
    auto as_typed = [&](std::string line) {
        line = std::regex_replace(line, std::regex(R"((^|[\s;(])(build/)?r2bench\b)"), "$1" + bin + " --quiet");
        return std::regex_replace(line, std::regex("build/demo"), demo);
    };
    // The README block that runs the main job, as a script.
    std::vector<std::vector<std::string>> blocks;
    readme_commands(&blocks);
    int demo_blocks = 0;
    for (const auto& block : blocks) {
        std::string script = fmt::format("set -euo pipefail\ncd {}\n", repo_root.string());
        bool on_demo = false;
        for (const auto& line : block) {
            on_demo = on_demo || line.find("build/demo") != std::string::npos;
            script += as_typed(line) + "\n";
        }
        if (!on_demo) continue;
        ++demo_blocks;
        write_file_atomically(dir / "block.sh", script);
        std::string out;
        CHECK_MESSAGE(run_command("bash " + (dir / "block.sh").string(), &out) == 0, script, out);
    }
    CHECK(demo_blocks >= 1);
    REQUIRE(fs::exists(dir / "demo/eval/mttr_tiny/summary.json"));

    // Each command's example on the demo's data, in the table's order (eval before report).
    int ran = 0;
    for (const auto& c : cli::command_table()) {
        const std::string path(c.path);
        const std::string example = last_line(help_of(path));
        if (example.find("build/demo") == std::string::npos) continue;
        CAPTURE(example);
        std::string out;
        CHECK_MESSAGE(run_command(fmt::format("cd {} && {}", repo_root.string(), as_typed(example)), &out) == 0, out);
        ++ran;
    }
    CHECK(ran >= 12);
}
