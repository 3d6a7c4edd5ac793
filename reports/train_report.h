// train_report.html: the loss curves of one `r2bench train` run, drawn from its train_log.jsonl
// (one self-contained page, inline CSS and SVG, like report.html).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "metrics/alignment.h"

namespace r2 {

// One logged optimiser step. lr and seconds are NaN where the line leaves them out; `terms` are
// the loss terms the model logs before their weights (loss_ce, loss_dice, …; names vary by model).
struct TrainLogEntry {
    int64_t step = 0;
    double loss = 0;     // NaN where the line holds null (nlohmann writes a NaN loss as null)
    double lr = 0;
    double seconds = 0;  // wall time since training started
    std::map<std::string, double> terms;
};

// The loss lines of train_log.jsonl, one per step in step order. A resumed run appends lines for
// steps already logged: the last line of a step wins. Lines without "loss" (e.g. "event":
// "checkpoint") and blank lines are skipped. Throws FileError "<file>: line N: …" on a line that
// is not a JSON object, a loss line without an integer "step", or a non-numeric loss, lr,
// seconds or term.
std::vector<TrainLogEntry> read_train_log(const std::filesystem::path& jsonl);

// The one definition of a run's initial and final loss, used by the console, the report and
// TrainResult alike: the mean of the finite losses of the first / last kLossWindow logged steps
// (all of them when there are fewer). A single step's loss is as noisy as its mini-batch. NaN
// when there is none.
constexpr size_t kLossWindow = 10;
double initial_loss(const std::vector<TrainLogEntry>& log);
double final_loss(const std::vector<TrainLogEntry>& log);

// One held-out validation pass (runners/train_validation.h), logged as
// {"event": "validation", "step": …, "J": …, "F": …, "J&F": …, "R": …, "J&F&R": …, "AUROC": …,
//  "alignment_std": …, "expressions": …}. Scores are fractions; NaN where the line holds null.
struct ValidationLogEntry {
    int64_t step = 0;
    double j = 0, f = 0, jf = 0, r = 0, jfr = 0, auroc = 0;
    double alignment_std = 0;
    int64_t expressions = 0;
    bool degenerate() const { return alignment_std < kDegenerateAlignmentStd; }  // as eval and ValidationScores
};

// The validation lines of train_log.jsonl in step order (the last line of a step wins). Throws
// FileError "<file>: line N: …" as read_train_log does.
std::vector<ValidationLogEntry> read_validation_log(const std::filesystem::path& jsonl);

// Writes `html_out` atomically: a summary table (steps, initial and final loss, steps per second,
// and the last validation pass), the total loss with its moving average, the held-out J&F, R and
// AUROC per validation pass next to it, the loss terms (on log axes, at most as many per chart as
// there are distinct colours), and the learning rate, all per step.
void write_train_report(const std::filesystem::path& html_out, const std::string& model_name,
                        const std::vector<TrainLogEntry>& log, const std::vector<ValidationLogEntry>& validation = {});

}  // namespace r2
