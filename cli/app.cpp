#include "cli/app.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_options.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/parallel.h"
#include "core/progress.h"

namespace r2::cli {

void add_global_options(CLI::App& app, std::function<void()> after_parse) {
    app.name("r2bench");
    app.set_version_flag("--version", std::string("r2bench ") + R2BENCH_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the subcommand
    struct Global {
        int threads = 0;
        bool quiet = false;
    };
    auto g = std::make_shared<Global>();
    non_negative(app.add_option("--threads", g->threads, "Worker threads (default: all cores). Results do not depend on it, except the last bits of neural-model scores (README: Reproducibility)"));
    app.add_flag("--quiet", g->quiet, "No progress bars (they are drawn only on a terminal anyway)");
    app.parse_complete_callback([g, after_parse] {
        set_thread_count(g->threads);
        Progress::set_quiet(g->quiet);
        if (after_parse) after_parse();
    });
}

int parse_and_run(CLI::App& app, int argc, char** argv, const int& exit_code) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return usage_error(app, e);
    } catch (const Interrupted& e) {
        fmt::print(stderr, "\nr2bench: stopped by {}: {}\n", signal_name(e.signal()), e.what());
        return e.exit_code();
    } catch (const Error& e) {
        fmt::print(stderr, "r2bench: error: {}\n", e.what());
        return 2;
    } catch (const std::filesystem::filesystem_error& e) {  // the disk or the permissions, not a bug
        fmt::print(stderr, "r2bench: error: {}: {}\n", e.path1().string(), e.code().message());
        return 2;
    } catch (const nlohmann::json::exception& e) {  // a reader that did not name its file: still bad input
        fmt::print(stderr, "r2bench: error: unexpected JSON content: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "r2bench: unexpected error: {}\n", e.what());
        return 3;
    }
    return exit_code;
}

}  // namespace r2::cli
