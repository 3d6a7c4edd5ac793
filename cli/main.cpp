// build/r2bench: one CLI11 subcommand per job. The commands only parse arguments and call the
// libraries (core/, metrics/, reports/, …), which the tests call directly. This executable never
// links libtorch: the commands that need it are handed over to build/r2bench-models (main_models.cpp,
// cli/handover.h), so scoring and `--help` do not pay for loading it.
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/handover.h"
#include "cli/model_catalog.h"

int main(int argc, char** argv) {
    r2::cli::remember_command_line(argc, argv);
    CLI::App app{"r2bench: build, run and score robust referring video object segmentation (R²-VOS) "
                 "benchmarks such as R²-Youtube-VOS.\n"};
    r2::cli::add_global_options(app);
    app.footer("Start with scripts/demo.sh (it builds r2bench and runs the main job on synthetic data in build/demo); "
               "`r2bench COMMAND --help` ends with an example on that data.\n\nExample:\n"
               "  r2bench eval --pred build/demo/runs/mttr_tiny --source build/demo/synth --pairs build/demo/r2/r2_pairs.json "
               "--out build/demo/eval/mttr_tiny");

    int exit_code = 0;
    r2::cli::add_eval_command(app, exit_code);
    r2::cli::add_report_command(app, exit_code);
    r2::cli::add_score_command(app, exit_code);
    r2::cli::add_leaderboard_command(app, exit_code);
    r2::cli::add_regress_command(app, exit_code);
    r2::cli::add_serve_command(app, exit_code);
    r2::cli::add_compare_command(app, exit_code);
    r2::cli::add_synth_command(app, exit_code);
    r2::cli::add_build_dataset_command(app, exit_code);
    r2::cli::add_verify_dataset_command(app, exit_code);
    r2::cli::add_run_command(app, exit_code);  // neural models are handed over
    r2::cli::add_merge_command(app, exit_code);
    r2::cli::add_convert_weights_command(app, exit_code);
    r2::cli::add_tokenize_command(app, exit_code);
    r2::cli::add_models_list_command(app, exit_code);  // from the catalog; --check is handed over
    r2::cli::add_handed_over_command(app, "train");
    r2::cli::add_handed_over_command(app, "ablate");
    r2::cli::add_bench_command(app, exit_code);  // bench msda/backbone/model/run are handed over
    return r2::cli::parse_and_run(app, argc, argv, exit_code);
}
