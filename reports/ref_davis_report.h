// What `eval --format ref-davis` writes: davis_summary.json (the protocol, per-annotator and mean
// J, F, J&F with recall and decay, as eval_davis.py's global table) and per_object.csv (every
// scored predicted-id/object pair of every annotator, as its per-sequence table plus the ids).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "metrics/evaluation.h"
#include "metrics/ref_davis_eval.h"

namespace r2 {

void write_ref_davis_report(const std::filesystem::path& out_dir, const RefDavisEvalResult& result,
                            const std::filesystem::path& source, const std::filesystem::path& predictions);
// The console table: one row per annotator and the mean, naming the task.
std::string ref_davis_table(const RefDavisEvalResult& result);
// What `eval` and `score` print: the table, then R (with pairs: `r2` is the R-only evaluation).
std::string ref_davis_console(const RefDavisEvalResult& davis, const EvalResult* r2, const std::filesystem::path& pairs);

// Everything `eval`, `score` and `leaderboard` do for a Ref-DAVIS17 source: J and F by the DAVIS
// protocol (davis_summary.json, per_object.csv); with pairs, R from each expression's own masks
// (summary.json, per_expression.csv, … as for any benchmark, without ground truth) and then the
// summary's J, F, J&F and J&F&R replaced by the DAVIS-protocol values (its "protocol" entry says
// so). `shown_as` names the predictions in the files (a scored zip, not its scratch folder).
struct RefDavisScore {
    RefDavisEvalResult davis;
    std::optional<EvalResult> r2;  // with pairs
};
RefDavisScore score_ref_davis(const EvalPaths& paths, DavisTask task, const PngLimits& limits,
                              const std::filesystem::path& out_dir, const std::filesystem::path& shown_as = {});

}  // namespace r2
