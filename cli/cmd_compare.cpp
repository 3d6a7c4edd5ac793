// `compare`: what changed between two evaluations of the same pairs (reports/compare.h).
#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "reports/compare.h"

namespace r2::cli {

void add_compare_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string run_a, run_b;
        OutOptions out;
        CompareOptions compare;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "compare");
    cmd->footer("Deltas are B - A. The summary's 95 % intervals come from a paired bootstrap over expressions (both runs "
                "resampled with the same expressions; the same --seed gives the same bytes on any --threads). Two evaluations "
                "of different ground truth or pairs are refused (exit 2). Thumbnails of the largest changes need the prediction "
                "folders the two summary.json files name; without them the page says so.\n\n"
                "Example (on the data of scripts/demo.sh, from the repository root):\n"
                "  r2bench compare build/demo/eval/r2vos_tiny build/demo/eval/mttr_tiny --out build/demo/compare");
    cmd->add_option("run_a", o->run_a, "Folder written by `r2bench eval --out` (A, the reference)")->required();
    cmd->add_option("run_b", o->run_b, "Folder written by `r2bench eval --out` (B, compared with A)")->required();
    add_out_options(cmd, o->out, "Folder for compare.html and compare.csv");
    non_negative(cmd->add_option("--seed", o->compare.seed, "Seed of the bootstrap resamples"))->capture_default_str();
    at_least(cmd->add_option("--samples", o->compare.samples, "Bootstrap resamples"), 100)->capture_default_str();
    non_negative(cmd->add_option("--thumbnails", o->compare.thumbnails, "Pictures of the largest J&F changes (and of as many flips)"))
        ->capture_default_str();
    cmd->callback([o, &exit_code] {
        OutputDir out = begin_output(o->out, "compare", {o->run_a, o->run_b});
        // Everything is read and checked before anything is written: a refused pair leaves --out as it was.
        const CompareResult result = compare_evals(o->run_a, o->run_b, o->compare);
        write_compare(out.path(), result);
        out.commit();
        fmt::print("{}", compare_table(result));
        fmt::print("wrote {}/{{compare.html, compare.csv}}\n", o->out.out);
        exit_code = 0;
    });
}

}  // namespace r2::cli
