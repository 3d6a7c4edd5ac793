// Scoring leaderboard submissions: a folder or a zip holding Annotations/<video>/<exp_id>/<frame>.png
// (and Negatives/… for R²). Zips are checked entry by entry before anything is extracted, and
// are refused for absolute paths or `..` (zip slip), links, too many entries, an uncompressed
// total or a single PNG over the limits (zip bombs), duplicate entries and non-PNG files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "metrics/evaluation.h"
#include "metrics/ref_davis_eval.h"

namespace r2 {

struct ZipLimits {
    int64_t max_entries = 500000;
    int64_t max_total_bytes = int64_t(20) << 30;  // uncompressed
    int64_t max_png_bytes = int64_t(64) << 20;
};

// Extracts a submission zip into `into` (which must not exist; it is created) after checking
// every entry; returns the folder holding Annotations/ (the zip may wrap it in one top folder).
// Throws FileError naming the zip and listing the offending entries.
std::filesystem::path extract_submission_zip(const std::filesystem::path& zip, const std::filesystem::path& into,
                                             const ZipLimits& limits = {});

struct ScoreOptions {
    std::filesystem::path gt;  // as `eval --gt`
    std::string split = "valid";
    std::filesystem::path pairs;
    bool allow_missing = false;
    ZipLimits limits;
    std::string davis_task = "unsupervised";  // Ref-DAVIS17 sources: the DAVIS task of J and F
};

// Scores a submission (zip or folder) and writes the eval report into `out`. Nothing is written
// outside `out`; a zip is extracted under a fresh temporary folder inside `out` and removed after.
EvalResult score_submission(const std::filesystem::path& submission, const std::filesystem::path& out,
                            const ScoreOptions& options);

// The same, keeping what a benchmark's own protocol computed beside the R² scores: for a
// Ref-DAVIS17 source, the per-annotator DAVIS table whose means are the summary's J, F and J&F
// (the EvalResult then holds R and the per-expression tables only). What `score` prints.
struct SubmissionScores {
    EvalResult r2;
    std::optional<RefDavisEvalResult> ref_davis;
    std::string alignment_table;  // as `eval` prints it: AUROC of A (a run's scores.json) and R per category
};
SubmissionScores score_submission_with_protocol(const std::filesystem::path& submission, const std::filesystem::path& out,
                                                const ScoreOptions& options);

// SHA-256 of a submission's content: the zip's bytes, or a folder's file manifest (core/file_manifest.h).
std::string submission_hash(const std::filesystem::path& submission);

}  // namespace r2
