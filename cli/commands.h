// Each subcommand registers itself on the app; its callback sets the process exit code. Names and
// descriptions come from cli/command_table.h. r2bench (main.cpp) registers all but the libtorch ones;
// r2bench-models (main_models.cpp) registers run, models and the model benchmarks.
#pragma once
#include <CLI/CLI.hpp>

#include "core/error.h"

namespace r2::cli {

void add_eval_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_score_command(CLI::App& app, int& exit_code);
void add_leaderboard_command(CLI::App& app, int& exit_code);
void add_regress_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_synth_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
void add_convert_weights_command(CLI::App& app, int& exit_code);
// r2bench-models only (libtorch):
void add_models_command(CLI::App& app, int& exit_code);
void add_train_command(CLI::App& app, int& exit_code);
void add_ablate_command(CLI::App& app, int& exit_code);
void add_model_bench_commands(CLI::App& bench, int& exit_code);  // bench msda, backbone, model, run
void add_tokenize_command(CLI::App& app, int& exit_code);
void add_build_dataset_command(CLI::App& app, int& exit_code);
void add_verify_dataset_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace r2::cli
