// What `r2bench eval --out DIR` writes: summary.json, per_expression.csv, per_video.csv, and
// the table printed on stdout. Scores are fractions in [0, 1] in files and percentages in the
// table (as papers print them).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/alignment.h"
#include "metrics/evaluation.h"

namespace r2 {

nlohmann::ordered_json eval_summary_json(const EvalResult& result, const EvalInput& input);
// One row per expression; with `alignment` (the run's scores.json) its A and rejection on both
// videos, matched by (video, exp_id); those cells are empty without it.
std::string per_expression_csv(const EvalResult& result, const AlignmentSummary* alignment = nullptr);
std::string per_video_csv(const EvalResult& result);
std::string eval_table(const EvalResult& result);
// The lines a neural run's scores.json adds (AUROC and accuracy of A), and R per referred category.
std::string eval_alignment_table(const EvalResult& result, const EvalInput& input);

// A CSV field, quoted (with doubled quotes) when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);
// The rows of a CSV text as csv_field writes them (quoted fields may hold commas, quotes and
// newlines). Throws FileError naming `name` on an unterminated quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& name);

// The per-expression and per-video numbers an eval folder holds (per_expression.csv,
// per_video.csv), as the evaluator computed them, for readers of that folder (report.html):
// expressions carry their names, j_stats/f_stats (mean, recall, decay; NaN without ground truth),
// pixels, R and missing frames, but no per-frame series; videos carry everything. `summary`
// holds has_gt and has_pairs only.
EvalResult read_eval_scores(const std::filesystem::path& eval_dir);

// The alignment columns of EVAL_DIR/per_expression.csv (A and rejected on both videos), one per
// row; nullopt where they are empty (no scores.json) or the file predates them.
std::vector<std::optional<PairAlignment>> read_alignment_columns(const std::filesystem::path& eval_dir);

// Writes summary.json, per_expression.csv, per_video.csv and per_frame.h5 into `out_dir`, each atomically.
void write_eval_report(const std::filesystem::path& out_dir, const EvalResult& result, const EvalInput& input);

}  // namespace r2
