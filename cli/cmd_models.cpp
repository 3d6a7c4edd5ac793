// `r2bench models` (built with libtorch): the model registry and the weights found for it.
#include <fmt/format.h>

#include "cli/commands.h"
#include "model_zoo/registry.h"

namespace r2::cli {

void add_models_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string weights_dir = "models";
        bool strict = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("models", "List the registered models, their parts, parameter counts and weights");
    cmd->footer("Weights are looked for as <weights-dir>/<name>.safetensors (make them with `r2bench convert-weights`); found ones "
                "are loaded, and missing, unexpected or mismatched keys are reported by name.");
    cmd->add_option("--weights-dir", o->weights_dir, "Where the .safetensors files are")->capture_default_str();
    cmd->add_flag("--strict", o->strict, "Fail on any missing, unexpected or mismatched key");
    cmd->callback([o, &exit_code] {
        fmt::print("{:<20} {:<13} {:<42} {:<20} {:>12}  {}\n", "model", "kind", "backbone", "text encoder", "parameters", "weights");
        for (const auto& s : model_statuses(o->weights_dir, o->strict)) {
            std::string weights = s.found ? "found: " + s.load->text() : "not found (" + s.weights.string() + ")";
            fmt::print("{:<20} {:<13} {:<42} {:<20} {:>12}  {}\n", s.model->name, s.model->kind, s.model->backbone, s.model->text_encoder,
                       s.parameters, weights);
        }
        exit_code = 0;
    });
}

}  // namespace r2::cli
