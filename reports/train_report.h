// train_report.html: the loss curves of one `r2bench train` run, drawn from its train_log.jsonl
// (one self-contained page, inline CSS and SVG, like report.html).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

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

// Writes `html_out` atomically: a summary table (steps, first and last loss, the mean loss of the
// last 10 % of entries, steps per second), the total loss with its moving average, every loss
// term on a log axis, and the learning rate, all per step.
void write_train_report(const std::filesystem::path& html_out, const std::string& model_name,
                        const std::vector<TrainLogEntry>& log);

}  // namespace r2
