#include "cli/command_table.h"

#include <stdexcept>

namespace r2::cli {

const std::vector<CommandInfo>& command_table() {
    static const std::vector<CommandInfo> table = {
        {"eval", "Score predictions: J, F, J&F (needs --source), R (needs --pairs) and J&F&R, per expression, video and data set",
         Runs::scoring},
        {"report", "Write EVAL_DIR/report.html: tables, plots and thumbnails of an `eval --out` folder", Runs::scoring},
        {"score", "Score one leaderboard submission (a .zip or a folder) safely", Runs::scoring},
        {"leaderboard", "Score every submission in a folder and rank them by J&F&R", Runs::scoring},
        {"serve",
         "The evaluation server: leaderboard, submission form and JSON API; a SQLite queue scored by sandboxed worker processes",
         Runs::scoring},
        {"regress", "Fail CI when a metric table drifts from its committed baseline", Runs::scoring},
        {"compare",
         "Compare two `eval --out` folders of the same pairs: deltas with bootstrap intervals, per video and category, flips, "
         "thumbnails (compare.html, compare.csv)",
         Runs::scoring},
        {"synth", "Generate a synthetic referring-video data set in the exact Ref-YouTube-VOS (or Ref-DAVIS17) layout",
         Runs::scoring},
        {"build-dataset", "Build R²-Youtube-VOS: pair every expression with its video and one unrelated negative video",
         Runs::scoring},
        {"verify-dataset", "Recheck every invariant of a built R² set against its source (exit 1 on any violation)", Runs::scoring},
        {"run", "Run a model on an R² set and write a submission (Annotations/ + Negatives/)", Runs::both},
        {"merge", "Join the shards of `run --shard i/n` into one submission", Runs::scoring},
        {"convert-weights", "Convert a torch.save checkpoint (.pth/.bin) or a .safetensors file to .safetensors", Runs::scoring},
        {"tokenize", "Print the RoBERTa token ids (<s> … </s>) of each input line", Runs::scoring},
        {"train",
         "Train a model (the tiny ones on a CPU) on a training split with its paper's losses; checkpoints, --resume, loss curves",
         Runs::models},
        {"ablate",
         "The R2-VOS paper's ablation tables (3-6) in kind: every row of r2vos_tiny trained, run and scored; table_N.md/.csv/.html",
         Runs::models},
        {"models", "List the runnable models and their parts, parameter counts and weights", Runs::models},
        {"bench", "Benchmarks: print speeds and ratios against a baseline measured in the same run", Runs::both},
        {"bench eval",
         "Speed of `eval` on generated 480x854 masks: (a) PNG decoding alone, (b) J+F arithmetic alone, (c) the full evaluation "
         "on 1 and 2 threads, (d) the whole `r2bench eval` process, and the start-up time of `r2bench --help`",
         Runs::scoring},
        {"bench build-dataset",
         "Time the R² builder on synth ytvos-valid metadata (202 videos) and on a 10x larger set (2020 videos)", Runs::scoring},
        {"bench leaderboard",
         "The leaderboard's content-keyed cache: a board scored in full, then rerun with every result cached, and the "
         "hashing alone",
         Runs::scoring},
        {"bench python",
         "The Python module's per-frame J+F (r2bench.frame_metrics) on 480x854 masks against davis2017-evaluation's Python "
         "functions in the same run, one thread each (goal >= 30x)",
         Runs::scoring},
        {"bench serve",
         "`serve` under load on loopback: uploads from concurrent clients while the board is read; submissions scored per "
         "minute and the board's latency percentiles",
         Runs::scoring},
        {"bench msda",
         "Multi-scale deformable attention: reference (grid_sample) vs the fast CPU kernel on ReferFormer's encoder shapes",
         Runs::models},
        {"bench backbone", "ResNet-50 forward in libtorch, and PyTorch's time for the same input and threads in the same run",
         Runs::models},
        {"bench model",
         "Forward time of a registered model per stage and its peak memory; with --official-repo also the official PyTorch "
         "model's time on the same input and threads",
         Runs::models},
        {"bench train",
         "Training steps/s of a tiny model with the grid_sample reference deformable attention and with the fast kernel and its "
         "backward, on the same data, and the seconds per stage of a step",
         Runs::models},
        {"bench run",
         "`r2bench run` on generated synth sets (their R² pairs built too): model-only vs end-to-end frames/s and their ratio "
         "(goal >= 90 %), peak memory",
         Runs::models},
    };
    return table;
}

const CommandInfo& command_info(std::string_view path) {
    for (const auto& c : command_table())
        if (c.path == path) return c;
    throw std::logic_error("r2bench: command '" + std::string(path) + "' is not in cli/command_table.cpp");
}

CLI::App* add_command(CLI::App& parent, std::string_view path) {
    const CommandInfo& info = command_info(path);
    const size_t space = path.rfind(' ');
    const std::string name(space == std::string_view::npos ? path : path.substr(space + 1));
    return parent.add_subcommand(name, std::string(info.description));
}

}  // namespace r2::cli
