// What `r2bench eval --out DIR` writes: summary.json, per_expression.csv, per_video.csv, and
// the table printed on stdout. Scores are fractions in [0, 1] in files and percentages in the
// table (as papers print them).
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/evaluation.h"

namespace r2 {

nlohmann::ordered_json eval_summary_json(const EvalResult& result, const EvalInput& input);
std::string per_expression_csv(const EvalResult& result);
std::string per_video_csv(const EvalResult& result);
std::string eval_table(const EvalResult& result);
// The lines a neural run's scores.json adds (AUROC and accuracy of A), and R per referred category.
std::string eval_alignment_table(const EvalResult& result, const EvalInput& input);

// A CSV field, quoted (with doubled quotes) when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);

// Writes summary.json, per_expression.csv, per_video.csv and per_frame.h5 into `out_dir`, each atomically.
void write_eval_report(const std::filesystem::path& out_dir, const EvalResult& result, const EvalInput& input);

}  // namespace r2
