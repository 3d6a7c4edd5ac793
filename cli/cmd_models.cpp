// `r2bench models` (built with libtorch): the model registry and the weights found for it.
#include <fmt/format.h>

#include "cli/commands.h"
#include "model_zoo/model_names.h"
#include "model_zoo/registry.h"

namespace r2::cli {

void add_models_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string weights_dir = "models";
        bool strict = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("models", "List the runnable models and their parts, parameter counts and weights");
    cmd->footer("Weights are looked for as <weights-dir>/<name>.safetensors (make them with `r2bench convert-weights`); found ones "
                "are loaded, and missing, unexpected or mismatched keys are reported by name. README.md's table \"Real data, official "
                "checkpoints and tokenizer files\" says where each official checkpoint comes from.\n\nExample:\n  r2bench models --weights-dir models");
    cmd->add_option("--weights-dir", o->weights_dir, "Where the .safetensors files are")->capture_default_str();
    cmd->add_flag("--strict", o->strict, "Fail on any missing, unexpected or mismatched key");
    cmd->callback([o, &exit_code] {
        const auto statuses = model_statuses(o->weights_dir, o->strict);
        auto table = [&](bool models) {
            fmt::print("{:<20} {:<40} {:<46} {:>12}  {}\n", models ? "model" : "part", "backbone", "text encoder", "parameters", "weights");
            for (const auto& s : statuses) {
                if ((s.model->kind == "model") != models) continue;
                const std::string weights = s.found ? "found: " + s.load->text() : "not found (" + s.weights.string() + ")";
                fmt::print("{:<20} {:<40} {:<46} {:>12}  {}\n", s.model->name, s.model->backbone, s.model->text_encoder, s.parameters, weights);
            }
        };
        fmt::print("Runnable models (`r2bench run --model NAME`):\n");
        table(true);
        fmt::print("\nParts (backbones and text encoders the models are built from):\n");
        table(false);
        fmt::print("\nWeights: {} need no downloads (their trained weights are bundled in {},\n"
                   "made by scripts/train_tiny.sh); the others take an official checkpoint:\n", model_name_list(true), bundled_weights_dir().string());
        for (const auto& m : runnable_models())
            if (!m.builtin_tokenizer) fmt::print("  {:<20} {}\n", m.name, m.weights_help);
        exit_code = 0;
    });
}

}  // namespace r2::cli
