#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "runners/merge.h"

namespace r2::cli {

void add_merge_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::vector<std::string> shards;
        std::string pairs;
        OutOptions out;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "merge");
    cmd->footer(
        "Checks that the shards come from one model, weights, pairs file and window, that each is the shard the split "
        "gives, and that together they hold every pair once; then copies the masks and merges scores.json and run.json. "
        "The result has the bytes of a single-process run (run.json aside, which keeps each shard's figures).\n\nExamples:\n"
        "  r2bench merge runs/tiny.0 runs/tiny.1 runs/tiny.2 runs/tiny.3 --pairs r2/r2_pairs.json --out runs/tiny\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
        "r2bench merge build/demo/runs/mttr_tiny --pairs build/demo/r2/r2_pairs.json --out build/demo/merged/mttr_tiny");
    cmd->add_option("shards", o->shards, "The shard folders (any order)")->required();
    cmd->add_option("--pairs", o->pairs, "r2_pairs.json the shards were run on")->required();
    add_out_options(cmd, o->out, "Merged submission folder");
    cmd->callback([o, &exit_code] {
        std::vector<std::filesystem::path> shards(o->shards.begin(), o->shards.end()), inputs = shards;
        inputs.push_back(o->pairs);
        OutputDir out = begin_output(o->out, "run", inputs);  // a run's folder: eval, --resume and rerunning treat it as one
        const MergeReport r = merge_shards(shards, o->pairs, out.path());
        out.commit();
        fmt::print("wrote {}: {} shards, {} pairs, {} masks\n", o->out.out, r.shards, r.pairs, r.frames);
        exit_code = 0;
    });
}

}  // namespace r2::cli
