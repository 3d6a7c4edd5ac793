#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "cli/handover.h"

namespace r2::cli {

void add_bench_command(CLI::App& app, int& exit_code) {
    CLI::App* bench = add_command(app, "bench");
    bench->require_subcommand(1);

    auto eval_options = std::make_shared<BenchEvalOptions>();
    bench->footer("Each benchmark prints its speeds and their ratio against a baseline measured in the same run.\n\nExample:\n"
                  "  r2bench bench eval --videos 2 --frames 3 --repeats 1");
    CLI::App* eval = add_command(*bench, "bench eval");
    eval->footer("Example:\n  r2bench bench eval --videos 2 --frames 3 --repeats 1");
    eval->add_option("--videos", eval_options->videos, "Videos per mask set")->capture_default_str();
    eval->add_option("--frames", eval_options->frames, "Frames per video")->capture_default_str();
    eval->add_option("--expressions", eval_options->expressions_per_video, "Expressions per video")->capture_default_str();
    eval->add_option("--repeats", eval_options->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    eval->add_option("--davis-repo", eval_options->davis_repo,
                     "A checkout of davis2017-evaluation: also time its Python J and F on the same masks "
                     "(Debian's /usr/bin/python3 with python3-numpy, -skimage, -opencv)");
    eval->add_option("--keep", eval_options->keep_dir, "Keep the generated trees in this folder");
    eval->callback([eval_options, &exit_code] { exit_code = run_bench_eval(*eval_options); });

    auto build_repeats = std::make_shared<int>(3);
    CLI::App* build = add_command(*bench, "bench build-dataset");
    build->footer("Example:\n  r2bench bench build-dataset --repeats 1");
    build->add_option("--repeats", *build_repeats, "Timed repeats (the best is reported)")->capture_default_str();
    build->callback([build_repeats, &exit_code] { exit_code = run_bench_build_dataset(*build_repeats); });

    auto board_options = std::make_shared<BenchLeaderboardOptions>();
    CLI::App* board = add_command(*bench, "bench leaderboard");
    board->footer("The data (a synth set, its pairs and the submissions) are generated first, which takes a few minutes at "
                  "ytvos-valid scale.\n\nExample:\n  r2bench bench leaderboard --preset tiny --submissions 2 --repeats 1");
    board->add_option("--preset", board_options->preset, "Synth preset of the ground truth")
        ->capture_default_str()
        ->check(CLI::IsMember({"tiny", "small", "ytvos-valid"}));
    at_least(board->add_option("--submissions", board_options->submissions, "Submissions on the board"), 1)->capture_default_str();
    at_least(board->add_option("--repeats", board_options->repeats, "Timed reruns (the best is reported)"), 1)->capture_default_str();
    board->add_option("--keep", board_options->keep_dir, "Generate into this folder and keep it");
    board->callback([board_options, &exit_code] { exit_code = run_bench_leaderboard(*board_options); });

    auto python_options = std::make_shared<BenchPythonOptions>();
    CLI::App* python = add_command(*bench, "bench python");
    python->footer("Needs the Python module (built with r2bench), Debian's python3-numpy, -skimage, -opencv and a local "
                   "checkout of davis2017-evaluation.\n\nExample:\n  r2bench bench python --davis-repo /tmp/davis2017-evaluation --frames 20 --repeats 1");
    python->add_option("--davis-repo", python_options->davis_repo, "A checkout of davisvideochallenge/davis2017-evaluation")->required();
    at_least(python->add_option("--frames", python_options->frames, "Mask pairs (480x854)"), 1)->capture_default_str();
    at_least(python->add_option("--repeats", python_options->repeats, "Timed repeats (the best is reported)"), 1)->capture_default_str();
    python->callback([python_options, &exit_code] { exit_code = run_bench_python(*python_options); });

    auto serve_options = std::make_shared<BenchServeOptions>();
    CLI::App* serve = add_command(*bench, "bench serve");
    serve->footer("Loopback only and bounded (--timeout-s). Every upload is a distinct zip, so each must be scored exactly once: "
                  "the command exits 1 if one was lost or scored twice.\n\nExample:\n"
                  "  r2bench bench serve --preset tiny --submissions 6 --clients 3");
    serve->add_option("--preset", serve_options->preset, "Synth preset of the ground truth")
        ->capture_default_str()
        ->check(CLI::IsMember({"tiny", "small", "ytvos-valid"}));
    at_least(serve->add_option("--submissions", serve_options->submissions, "Uploads"), 1)->capture_default_str();
    at_least(serve->add_option("--clients", serve_options->clients, "Concurrent uploading clients (one team each)"), 1)->capture_default_str();
    at_least(serve->add_option("--workers", serve_options->workers, "The server's --workers"), 1)->capture_default_str();
    at_least(serve->add_option("--distinct-runs", serve_options->distinct_runs, "Noisy-oracle runs generated (uploads reuse them, each with its own run.json)"), 1)
        ->capture_default_str();
    at_least(serve->add_option("--timeout-s", serve_options->timeout_s, "Give up waiting for the queue after this long"), 1)->capture_default_str();
    serve->add_option("--keep", serve_options->keep_dir, "Generate into this folder and keep it");
    serve->callback([serve_options, &exit_code] { exit_code = run_bench_serve(*serve_options); });

    // Handed over to r2bench-models (libtorch): cmd_bench_models.cpp.
    for (const CommandInfo& c : command_table())
        if (c.runs == Runs::models && c.path.rfind("bench ", 0) == 0) add_handed_over_command(*bench, c.path);
}

}  // namespace r2::cli
