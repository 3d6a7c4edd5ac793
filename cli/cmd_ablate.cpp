// `r2bench ablate` (built with libtorch): the R2-VOS paper's ablation tables in kind
// (runners/ablate.h): every row of a table trained, run and scored, side by side.
#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/interrupt.h"
#include "model_zoo/ablations.h"
#include "runners/ablate.h"

namespace r2::cli {

void add_ablate_command(CLI::App& app, int& exit_code) {
    struct Options {
        AblateOptions ablate;
        bool list = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "ablate");
    cmd->footer(
        "Each row of the table is r2vos_tiny with one thing changed (`--list` says what), trained --steps steps with the same data\n"
        "and seed (as `r2bench train --model r2vos_tiny --config ROW`), run on the held-out R² set (as `run`) and scored (as `eval`).\n"
        "OUT gets table_N.md, table_N.csv and table_N.html (rewritten after every row), and rows/<config>/{train,run,eval}; a\n"
        "rerun reuses every row already done, so an interrupted table continues. Without --data/--source/--pairs the data is\n"
        "synthesised under OUT/data (60 training videos of 8 frames; 24 held-out videos of the ytvos-valid preset, 6 frames).\n\n"
        "Example:\n  r2bench ablate --table 3 --out build/ablations --steps 150");
    cmd->add_option("--table", o->ablate.table, "The paper's ablation table: 3 (components), 4 (constraint), 5 (queries), 6 (window)")
        ->check(CLI::IsMember({3, 4, 5, 6}));
    cmd->add_option("--out", o->ablate.out, "Folder for the table and each row's training, run and scores");
    at_least(cmd->add_option("--steps", o->ablate.steps, "Training steps per row")->capture_default_str(), 1);
    cmd->add_option("--seed", o->ablate.seed, "Seed of every row's initialisation and data order")->capture_default_str();
    cmd->add_option("--data", o->ablate.data, "Training set (Ref-YouTube-VOS layout with a train split); default: synthesised");
    cmd->add_option("--source", o->ablate.source, "Held-out ground truth (as `eval --source`); default: synthesised");
    cmd->add_option("--pairs", o->ablate.pairs, "r2_pairs.json of --source; default: built with --seed 0");
    cmd->add_flag("--list", o->list, "List the configurations of every table and what each changes, and exit");
    cmd->callback([o, &exit_code] {
        if (o->list) {
            int table = 0;
            for (const auto& row : ablation_rows()) {
                if (row.table != table) {
                    fmt::print("{}{}\n", table ? "\n" : "", row.table ? fmt::format("Table {}", row.table)
                                                                       : std::string("r2bench's departures (not in the paper; train --config)"));
                    table = row.table;
                }
                fmt::print("  {:<12} {:<22} {}\n", row.config, row.row, row.change);
            }
            exit_code = 0;
            return;
        }
        if (o->ablate.out.empty()) throw Error("ablate: --out is required (or --list)");
        o->ablate.version = R2BENCH_VERSION;
        o->ablate.command = fmt::format("r2bench ablate --table {} --steps {} --seed {}", o->ablate.table, o->ablate.steps, o->ablate.seed);
        catch_interrupts();
        const auto rows = run_ablation(o->ablate);
        fmt::print("{}", ablation_markdown(o->ablate.table, rows, o->ablate.steps));
        fmt::print("wrote {}/table_{}.{{md,csv,html}}\n", o->ablate.out.string(), o->ablate.table);
        exit_code = 0;
    });
}

}  // namespace r2::cli
