// `r2bench compare RUN_A RUN_B`: what changed between two `eval --out` folders of the same ground
// truth and pairs. Deltas are B − A (fractions in files, points on the pages), each summary delta
// with a paired bootstrap 95 % interval over expressions: both runs are resampled with the same
// expressions, so the interval reflects the difference, not each run's own spread.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace r2 {

struct CompareOptions {
    uint64_t seed = 0;
    int samples = 2000;    // bootstrap resamples
    int thumbnails = 6;    // side-by-side pictures of the largest J&F changes (and as many flips)
};

// One metric of one item (the data set, a video, a category, an expression) in both runs.
struct CompareValue {
    std::string level;   // "summary", "video", "category", "expression"
    std::string key;     // "" for the summary, the video, the category, "video/exp_id"
    std::string metric;  // "J", "F", "J&F", "R", "J&F&R", "negative_pixels"
    std::optional<double> a, b;
    std::optional<double> low, high;  // bootstrap 95 % interval of b − a (summary rows only)
    std::string note;
    std::optional<double> delta() const { return a && b ? std::optional<double>(*b - *a) : std::nullopt; }
};

// An expression with foreground predicted on its negative video in one run and none in the other.
struct CompareFlip {
    std::string video, exp_id, negative_video, text;
    int64_t negative_pixels_a = 0, negative_pixels_b = 0;
    bool hallucinated_in_a() const { return negative_pixels_a > 0; }
};

struct CompareResult {
    std::filesystem::path run_a, run_b;
    std::filesystem::path predictions_a, predictions_b, annotations;  // as the summaries name them
    // Also from the summaries, for the thumbnails: the frames folder of the layout, and the
    // ground truth's format and expressions file (MeViS masks are read through them).
    std::filesystem::path frames, ground_truth_expressions;
    std::string ground_truth_format;
    CompareOptions options;
    int expressions = 0;
    bool has_gt = false, has_pairs = false;  // as both evaluations were run (they must agree)
    std::vector<CompareValue> summary;     // J, F, J&F, R, J&F&R
    std::vector<CompareValue> videos;      // J&F and R per video, largest |ΔJ&F| first
    std::vector<CompareValue> categories;  // R per referred category, largest |ΔR| first
    std::vector<CompareValue> expressions_jf;  // J&F per expression, largest |Δ| first
    std::vector<CompareFlip> flips;
    std::vector<std::string> notes;
};

// Reads both folders (summary.json, per_expression.csv, per_video.csv) and compares them. Throws
// r2::Error with one line when they are not evaluations of the same expressions and pairs on the
// same ground truth, and FileError when a file is missing or malformed.
CompareResult compare_evals(const std::filesystem::path& run_a, const std::filesystem::path& run_b,
                            const CompareOptions& options = {});

std::string compare_csv(const CompareResult& result);
// The page; thumbnails read per_frame.h5 of both runs and the masks and frames the summaries name,
// where they exist (a note says why they are left out otherwise).
std::string compare_html(const CompareResult& result);
// The summary deltas and flip count, as printed on the terminal.
std::string compare_table(const CompareResult& result);

// Writes compare.csv and compare.html into `out_dir` (each atomically).
void write_compare(const std::filesystem::path& out_dir, const CompareResult& result);

}  // namespace r2
