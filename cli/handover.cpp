#include "cli/handover.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "cli/command_table.h"
#include "core/error.h"

namespace r2::cli {
namespace fs = std::filesystem;

namespace {
std::vector<char*> g_argv;
}

void remember_command_line(int argc, char** argv) { g_argv.assign(argv, argv + argc); }

std::string resume_command() {
    auto quoted = [](const std::string& a) {
        if (!a.empty() && a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./=:,+%@") == std::string::npos)
            return a;
        std::string q = "'";
        for (const char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return q + "'";
    };
    std::string line = "r2bench";
    bool resume = false;
    for (size_t i = 1; i < g_argv.size(); ++i) {
        const std::string a = g_argv[i];
        resume = resume || a == "--resume";
        line += " " + quoted(a);
    }
    return resume ? line : line + " --resume";
}

fs::path models_executable() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error(fmt::format("cannot find this executable's folder (/proc/self/exe: {})", ec.message()));
    return self.parent_path() / kModelsExecutable;
}

void hand_over(const std::string& what) {
    const fs::path models = models_executable();
    if (::access(models.c_str(), X_OK) != 0)
        throw Error(fmt::format(
            "this r2bench was built without libtorch: {} needs {}, which is built beside r2bench when CMake finds "
            "libtorch (Debian: libtorch-dev), and {} is {}. Scoring, data sets and the reference models oracle, "
            "noisy-oracle and empty work without it.",
            what, kModelsExecutable, models.string(), errno == ENOENT ? "absent" : std::strerror(errno)));
    std::vector<char*> argv = g_argv;
    std::string argv0 = models.string();
    if (argv.empty()) argv.push_back(nullptr);
    argv[0] = argv0.data();
    argv.push_back(nullptr);
    std::fflush(nullptr);
    ::execv(models.c_str(), argv.data());
    throw Error(fmt::format("cannot start {}: {}", models.string(), std::strerror(errno)));
}

CLI::App* add_handed_over_command(CLI::App& parent, std::string_view path) {
    CLI::App* cmd = add_command(parent, path);
    // Handed over as soon as the parser meets the command, before its arguments (--help included):
    // r2bench-models, which knows its options, parses them all again.
    const std::string what = fmt::format("`{}`", path);
    cmd->preparse_callback([what](size_t) { hand_over(what); });
    cmd->allow_extras();
    return cmd;
}

}  // namespace r2::cli
