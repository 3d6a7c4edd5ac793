// The benchmarks that need libtorch, in r2bench-models (r2bench hands them over).
#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"

namespace r2::cli {

void add_model_bench_commands(CLI::App& bench, int& exit_code) {
    struct MsdaOptions {
        int frames = 5, height = 360, width = 640, repeats = 2;
    };
    auto msda = std::make_shared<MsdaOptions>();
    CLI::App* msda_cmd = add_command(bench, "bench msda");
    msda_cmd->footer("Example:\n  r2bench bench msda --repeats 1");
    msda_cmd->add_option("--frames", msda->frames, "Frames (batch)")->capture_default_str();
    msda_cmd->add_option("--height", msda->height, "Input height")->capture_default_str();
    msda_cmd->add_option("--width", msda->width, "Input width")->capture_default_str();
    msda_cmd->add_option("--repeats", msda->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    msda_cmd->callback([msda, &exit_code] { exit_code = run_bench_msda(msda->frames, msda->height, msda->width, msda->repeats); });

    auto backbone = std::make_shared<MsdaOptions>();
    backbone->repeats = 3;
    CLI::App* backbone_cmd = add_command(bench, "bench backbone");
    backbone_cmd->footer("Example:\n  r2bench bench backbone --height 224 --width 224 --repeats 1");
    backbone_cmd->add_option("--height", backbone->height, "Input height")->capture_default_str();
    backbone_cmd->add_option("--width", backbone->width, "Input width")->capture_default_str();
    backbone_cmd->add_option("--repeats", backbone->repeats, "Timed repeats (the best is reported)")->capture_default_str();
    backbone_cmd->callback([backbone, &exit_code] { exit_code = run_bench_backbone(backbone->height, backbone->width, backbone->repeats); });

    auto model = std::make_shared<BenchModelOptions>();
    CLI::App* model_cmd = add_command(bench, "bench model");
    model_cmd->footer("Example:\n  r2bench bench model --model mttr_tiny --repeats 1");
    model_cmd->add_option("--model", model->model, "A model of `r2bench models`")->capture_default_str();
    at_least(model_cmd->add_option("--frames", model->frames, "Frames of the clip")->capture_default_str(), 1);
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
    CLI::App* run_cmd = add_command(bench, "bench run");
    run_cmd->footer("Example:\n  r2bench bench run --model mttr_tiny --preset tiny");
    run_cmd->add_option("--model", run->model, "A neural model of `r2bench models`")->capture_default_str();
    run_cmd->add_option("--preset", run->presets, "Synth presets, in order")
        ->capture_default_str()
        ->check(CLI::IsMember({"tiny", "small", "ytvos-valid"}));
    run_cmd->add_option("--weights", run->weights, "A .safetensors file (default: synthetic weights; the speed is the same)");
    non_negative(run_cmd->add_option("--window", run->window, "Frames per clip (0: the whole video)")->capture_default_str());
    run_cmd->add_option("--keep", run->keep_dir, "Keep the data sets and submissions in this folder");
    run_cmd->callback([run, &exit_code] { exit_code = run_bench_run(*run); });

    auto train = std::make_shared<BenchTrainOptions>();
    CLI::App* train_cmd = add_command(bench, "bench train");
    train_cmd->footer("Example:\n  r2bench bench train --model r2vos_tiny --steps 8");
    train_cmd->add_option("--model", train->model, "A tiny model (r2vos_tiny, r2vos_tiny_grounded, referformer_tiny, mttr_tiny)")->capture_default_str();
    at_least(train_cmd->add_option("--steps", train->steps, "Training steps per kernel")->capture_default_str(), 1);
    train_cmd->callback([train, &exit_code] { exit_code = run_bench_train(*train); });
}

}  // namespace r2::cli
