// build/r2bench-models: the commands of r2bench that need libtorch (`run` with a neural model,
// `models`, `bench msda/backbone/model/run`). r2bench hands them over here with the same arguments
// (cli/handover.h); it can be run directly too. Names and descriptions come from cli/command_table.h.
#include <ATen/Parallel.h>

#include "cli/app.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "cli/handover.h"
#include "core/parallel.h"

int main(int argc, char** argv) {
    r2::cli::remember_command_line(argc, argv);
    CLI::App app{"r2bench-models: the commands of r2bench that need libtorch; `r2bench` hands them over here, and "
                 "`r2bench --help` lists every command.\n"};
    r2::cli::add_global_options(app, [] { at::set_num_threads(r2::thread_count()); });  // libtorch follows --threads

    int exit_code = 0;
    r2::cli::add_run_command(app, exit_code);
    r2::cli::add_models_command(app, exit_code);
    r2::cli::add_train_command(app, exit_code);
    r2::cli::add_ablate_command(app, exit_code);
    app.get_subcommand("models")->description(std::string(r2::cli::command_info("models").description));
    CLI::App* bench = r2::cli::add_command(app, "bench");
    bench->require_subcommand(1);
    r2::cli::add_model_bench_commands(*bench, exit_code);
    return r2::cli::parse_and_run(app, argc, argv, exit_code);
}
