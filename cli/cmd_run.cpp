#include <fmt/format.h>

#include "cli/commands.h"
#include "runners/baseline.h"

namespace r2::cli {

void add_run_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string gt, split = "valid", pairs, out;
        BaselineOptions baseline;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("run", "Run a model on an R² set and write a submission (Annotations/ + Negatives/)");
    cmd->footer(
        "Models: oracle (ground truth; J = F = R = 1), noisy-oracle (perturbed ground truth with hallucinations on some "
        "negatives), empty (nothing anywhere). They need the ground truth and check a pipeline end to end.\n\nExample:\n"
        "  r2bench run --model noisy-oracle --gt data/synth --pairs data/r2/r2_pairs.json --out runs/noisy");
    cmd->add_option("--model", o->baseline.model, "oracle, noisy-oracle or empty")->capture_default_str();
    cmd->add_option("--gt", o->gt, "Ground truth (as `eval --gt`)")->required();
    cmd->add_option("--split", o->split, "Split of the ground-truth root")->capture_default_str();
    cmd->add_option("--pairs", o->pairs, "r2_pairs.json from build-dataset")->required();
    cmd->add_option("--out", o->out, "Submission folder to write")->required();
    cmd->add_option("--seed", o->baseline.seed, "Seed of the noisy oracle")->capture_default_str();
    cmd->add_option("--hallucination-rate", o->baseline.hallucination_rate,
                    "noisy-oracle: share of expressions segmenting something in their negative video")->capture_default_str();
    cmd->callback([o, &exit_code] {
        run_baseline(o->gt, o->split, o->pairs, o->out, o->baseline);
        fmt::print("wrote {} ({})\n", o->out, o->baseline.model);
        exit_code = 0;
    });
}

}  // namespace r2::cli
