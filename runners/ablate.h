// `r2bench ablate --table N`: the R2-VOS paper's ablation tables in kind. Every row of the table
// (model_zoo/ablations.h) is trained on a short schedule, run on a held-out R² set and scored as
// `eval` scores, and the rows are written side by side as table_N.md / .csv / .html. Each row's
// training, run and scores stay under OUT/rows/<config>/ and are reused by a rerun (only missing
// rows are computed), so an interrupted table continues where it stopped.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model_zoo/ablations.h"

namespace r2 {

struct AblateOptions {
    int table = 3;
    std::filesystem::path out;
    // The training set and the held-out set with its R² pairs. Empty: synthesised into OUT/data
    // (training: 60 videos of 8 frames at 320x180, synth seed 1000 as scripts/train_tiny.sh;
    // held-out: 24 videos of the ytvos-valid preset with 6 frames, seed 2023, pairs --seed 0).
    std::filesystem::path data, source, pairs;
    int64_t steps = 150;  // per row
    uint64_t seed = 0;
    std::string version, command;  // r2bench's version and the command line, for each row's run.json
};

struct AblateRowResult {
    const AblationRow* row = nullptr;
    std::optional<double> j, f, jf, r, jfr, auroc;  // fractions, as summary.json
    double train_seconds = 0, run_seconds = 0;
    double pair_bce = -1;  // the pair classifier's BCE over the last 20 training steps (-1: no pair head)
    bool reused = false;   // read from an earlier run of the same OUT
};

// Trains, runs and scores every row of options.table; writes OUT/table_N.{md,csv,html}.
std::vector<AblateRowResult> run_ablation(const AblateOptions& options);

// The three files of a finished table (exposed for tests).
std::string ablation_markdown(int table, const std::vector<AblateRowResult>& rows, int64_t steps);
std::string ablation_csv(const std::vector<AblateRowResult>& rows);
std::string ablation_html(int table, const std::vector<AblateRowResult>& rows, int64_t steps);

}  // namespace r2
