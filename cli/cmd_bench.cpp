#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/commands.h"

namespace r2::cli {

void add_bench_command(CLI::App& app, int& exit_code) {
    CLI::App* bench = app.add_subcommand("bench", "Benchmarks: print speeds and ratios against a baseline measured in the same run");
    bench->require_subcommand(1);

    auto eval_options = std::make_shared<BenchEvalOptions>();
    CLI::App* eval = bench->add_subcommand(
        "eval", "Speed of `eval` on generated 480x854 masks: (a) PNG decoding alone, (b) J+F arithmetic alone, "
                "(c) the full evaluation on 1 and 2 threads");
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
    CLI::App* build = bench->add_subcommand(
        "build-dataset", "Time the R² builder on synth ytvos-valid metadata (202 videos) and on a 10x larger set (2020 videos)");
    build->add_option("--repeats", *build_repeats, "Timed repeats (the best is reported)")->capture_default_str();
    build->callback([build_repeats, &exit_code] { exit_code = run_bench_build_dataset(*build_repeats); });

#ifdef R2BENCH_HAVE_TORCH
    struct MsdaOptions {
        int frames = 5, height = 360, width = 640, repeats = 2;
    };
    auto msda = std::make_shared<MsdaOptions>();
    CLI::App* msda_cmd = bench->add_subcommand(
        "msda", "Multi-scale deformable attention: reference (grid_sample) vs the fast CPU kernel on ReferFormer's encoder shapes");
    msda_cmd->add_option("--frames", msda->frames, "Frames (batch)")->capture_default_str();
    msda_cmd->add_option("--height", msda->height, "Input height")->capture_default_str();
    msda_cmd->add_option("--width", msda->width, "Input width")->capture_default_str();
    msda_cmd->add_option("--repeats", msda->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    msda_cmd->callback([msda, &exit_code] { exit_code = run_bench_msda(msda->frames, msda->height, msda->width, msda->repeats); });

    auto backbone = std::make_shared<MsdaOptions>();
    backbone->repeats = 3;
    CLI::App* backbone_cmd = bench->add_subcommand(
        "backbone", "ResNet-50 forward in libtorch, and PyTorch's time for the same input and threads in the same run");
    backbone_cmd->add_option("--height", backbone->height, "Input height")->capture_default_str();
    backbone_cmd->add_option("--width", backbone->width, "Input width")->capture_default_str();
    backbone_cmd->add_option("--repeats", backbone->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    backbone_cmd->callback([backbone, &exit_code] { exit_code = run_bench_backbone(backbone->height, backbone->width, backbone->repeats); });

    auto model = std::make_shared<BenchModelOptions>();
    CLI::App* model_cmd = bench->add_subcommand(
        "model", "Forward time of a registered model per stage and its peak memory; with --official-repo also the official PyTorch "
                 "model's time on the same input and threads");
    model_cmd->add_option("--model", model->model, "A model of `r2bench models`")->capture_default_str();
    model_cmd->add_option("--frames", model->frames, "Frames of the clip")->capture_default_str()->check(CLI::PositiveNumber);
    model_cmd->add_option("--size", [model](const CLI::results_t& r) {
        const auto x = r[0].find('x');
        if (x == std::string::npos) return false;
        model->height = std::stoi(r[0].substr(0, x)), model->width = std::stoi(r[0].substr(x + 1));
        return model->height > 0 && model->width > 0;
    }, "Input size HxW (default 360x640)");
    model_cmd->add_option("--repeats", model->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    model_cmd->add_option("--official-repo", model->official_repo,
                          "Checkout of lxa9867/R2VOS or wjn922/ReferFormer (run by scripts/bench_official_model.py with Debian's python3-torch)");
    model_cmd->callback([model, &exit_code] { exit_code = run_bench_model(*model); });

    auto run = std::make_shared<BenchRunOptions>();
    CLI::App* run_cmd = bench->add_subcommand(
        "run", "`r2bench run` on generated synth sets (their R² pairs built too): model-only vs end-to-end frames/s and their "
               "ratio (goal >= 90 %), peak memory");
    run_cmd->add_option("--model", run->model, "A neural model of `r2bench models`")->capture_default_str();
    run_cmd->add_option("--preset", run->presets, "Synth presets, in order")
        ->capture_default_str()
        ->check(CLI::IsMember({"tiny", "small", "ytvos-valid"}));
    run_cmd->add_option("--weights", run->weights, "A .safetensors file (default: synthetic weights; the speed is the same)");
    run_cmd->add_option("--window", run->window, "Frames per clip (0: the whole video)")->capture_default_str()->check(CLI::NonNegativeNumber);
    run_cmd->add_option("--keep", run->keep_dir, "Keep the data sets and submissions in this folder");
    run_cmd->callback([run, &exit_code] { exit_code = run_bench_run(*run); });
#endif
}

}  // namespace r2::cli
