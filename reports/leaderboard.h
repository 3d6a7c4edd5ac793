// `r2bench leaderboard`: scores every submission in a folder (zips and folders), caches results
// by content (a rerun scores only new or changed ones), ranks by J&F&R (ties by J&F; by J&F
// alone without pairs) and writes leaderboard.md, leaderboard.csv and leaderboard.html.
//
// A cached result is keyed on everything it depends on, as bytes: the submission (a zip's bytes,
// a folder's file manifest), the ground truth's expressions file and a manifest of its annotation
// files (path, size, SHA-256 of each), the pairs file, --allow-missing and the scorer's version.
// An edited ground-truth mask therefore rescores every submission; an unreadable or inconsistent
// cache entry, or one whose report folder is gone, is a miss, never a result.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "reports/submission.h"

namespace r2 {

struct LeaderboardRow {
    std::string name;
    std::string hash;
    bool cached = false;  // for the caller's log only; the public pages do not show it
    std::string error;    // non-empty: the submission could not be scored (the full problem list)
    std::optional<double> j, f, jf, r, jfr;
    // Predictions scored under --allow-missing (from summary.json's counts). An incomplete
    // submission is ranked after every complete one and marked; with missing negative frames
    // its R and J&F&R are not reported (null), so it is ranked among the incomplete by J&F.
    int64_t missing_positive_frames = 0, missing_negative_frames = 0;
    bool incomplete() const { return missing_positive_frames > 0 || missing_negative_frames > 0; }
    // What the run recorded, where it did: the AUROC of its alignment scores (summary.json's
    // "alignment", from a run's scores.json), and the model and weights of its run.json.
    std::optional<double> auroc;
    bool auroc_degenerate = false;  // A without spread (summary.json's alignment.degenerate): the AUROC is noise
    std::string model, weights_file, weights_sha256;  // weights_file: the file's name only, no folders
    bool synthetic_weights = false;
    std::string report;  // the row's report.html relative to the board ("" when there is none)
};

// Scores every .zip and folder in `submissions` (hidden entries such as .DS_Store are skipped)
// into `out`: out/submissions/<name>/ holds each eval report, or problems.txt for a broken
// submission. Results are looked up by content hash in out/cache/ and then in previous/cache/
// (an earlier board being replaced, whose reports are carried over), so only new or changed
// submissions are scored. Throws FileError when the folder holds no submission and InputProblems
// (one line per submission) when none of them could be scored.
std::vector<LeaderboardRow> build_leaderboard(const std::filesystem::path& submissions, const std::filesystem::path& out,
                                              const ScoreOptions& options,
                                              const std::optional<std::filesystem::path>& previous = std::nullopt);

// The part of a result's cache key that is not the submission: the scorer's version, the ground
// truth's files, the pairs file and the options, as content (`serve` keys its results on it too).
std::string score_setting_hash(const ScoreOptions& options);

// A scored row from its summary.json text (scores, missing-frame counts, the alignment's AUROC and
// model); run.json and the report link are the caller's. Throws r2::Error for a summary without metrics.
LeaderboardRow leaderboard_row_from_summary(std::string name, const std::string& summary_json);

// The public one-line note of a broken submission: its first problem, shortened, without the
// organiser's folder names. The full list is in submissions/<name>/problems.txt.
std::string leaderboard_note(const std::string& error);

// The public mark of an incomplete submission ("" for a complete one).
std::string leaderboard_incomplete_note(const LeaderboardRow& row);

// The note of a scored row: its incomplete mark and, for a degenerate pair head, that its
// alignment scores do not separate pairs ("" when there is nothing to say).
std::string leaderboard_row_note(const LeaderboardRow& row);

// "r2vos_tiny (r2vos_tiny.safetensors, SHA-256 0123abcd…)": the model and weights a row's run
// recorded ("" when it recorded none).
std::string leaderboard_model_note(const LeaderboardRow& row);

// Ranking: complete scored rows by J&F&R then J&F (descending), then name; then incomplete
// scored rows in the same order; failed rows last, by name.
void rank_leaderboard(std::vector<LeaderboardRow>& rows);
// The pages: scores, AUROC, completeness, model and weights, each name linked to its report.html.
std::string leaderboard_markdown(const std::vector<LeaderboardRow>& rows);
// What the terminal shows: the scores and notes only, without links.
std::string leaderboard_console(const std::vector<LeaderboardRow>& rows);
std::string leaderboard_csv(const std::vector<LeaderboardRow>& rows);
std::string leaderboard_html(const std::vector<LeaderboardRow>& rows);

}  // namespace r2
