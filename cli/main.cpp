// r2bench: one binary, one CLI11 subcommand per job. The commands only parse arguments and
// call the libraries (core/, metrics/, reports/, …), which the tests call directly.
#include <cstdio>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/progress.h"

#ifdef R2BENCH_HAVE_TORCH
#include <ATen/Parallel.h>
#endif

int main(int argc, char** argv) {
    CLI::App app{"r2bench: build, run and score robust referring video object segmentation (R²-VOS) "
                 "benchmarks such as R²-Youtube-VOS.\n"};
    app.set_version_flag("--version", std::string("r2bench ") + R2BENCH_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the subcommand

    int threads = 0;
    bool quiet = false;
    r2::cli::non_negative(
        app.add_option("--threads", threads, "Worker threads (default: all cores); results do not depend on it"));
    app.add_flag("--quiet", quiet, "No progress bars (they are drawn only on a terminal anyway)");
    app.parse_complete_callback([&] {
        r2::set_thread_count(threads);
#ifdef R2BENCH_HAVE_TORCH
        at::set_num_threads(r2::thread_count());  // libtorch follows --threads (default: all cores)
#endif
        r2::Progress::set_quiet(quiet);
    });

    int exit_code = 0;
    r2::cli::add_eval_command(app, exit_code);
    r2::cli::add_report_command(app, exit_code);
    r2::cli::add_score_command(app, exit_code);
    r2::cli::add_leaderboard_command(app, exit_code);
    r2::cli::add_regress_command(app, exit_code);
    r2::cli::add_synth_command(app, exit_code);
    r2::cli::add_build_dataset_command(app, exit_code);
    r2::cli::add_verify_dataset_command(app, exit_code);
    r2::cli::add_run_command(app, exit_code);
    r2::cli::add_merge_command(app, exit_code);
    r2::cli::add_convert_weights_command(app, exit_code);
    r2::cli::add_tokenize_command(app, exit_code);
#ifdef R2BENCH_HAVE_TORCH
    r2::cli::add_models_command(app, exit_code);
#endif
    r2::cli::add_bench_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return r2::cli::usage_error(app, e);
    } catch (const r2::Error& e) {
        fmt::print(stderr, "r2bench: error: {}\n", e.what());
        return 2;
    } catch (const std::filesystem::filesystem_error& e) {  // the disk or the permissions, not a bug
        fmt::print(stderr, "r2bench: error: {}: {}\n", e.path1().string(), e.code().message());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "r2bench: unexpected error: {}\n", e.what());
        return 3;
    }
    return exit_code;
}
