// report.html: one self-contained page (inline CSS, SVG and images; opens from disk with no
// network) with the summary table, plots, thumbnails of the worst and best expressions, and
// sortable per-video and per-expression tables.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/alignment.h"
#include "reports/per_frame_h5.h"

namespace r2 {

// Renders the page from what `eval --out` wrote: the data-set numbers of summary.json, the
// per-expression and per-video numbers as the evaluator computed them (read_eval_scores: nothing
// is re-aggregated here), and the per-frame series of per_frame.h5 for the plots and thumbnails.
// Thumbnails read the frames, ground truth and predictions named in summary.json's inputs, where
// they exist.
// `alignment` (per_expression.csv's A and rejected, one per expression) adds those columns to the
// expression table when any expression has them.
std::string render_html_report(const nlohmann::json& summary, const EvalResult& scores, const PerFrameTable& table,
                               const std::vector<std::optional<PairAlignment>>& alignment = {});

// Reads EVAL_DIR/summary.json, per_expression.csv, per_video.csv and per_frame.h5, writes
// EVAL_DIR/report.html atomically.
std::filesystem::path write_html_report(const std::filesystem::path& eval_dir);

}  // namespace r2
