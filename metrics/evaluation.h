// The evaluation engine behind `r2bench eval`: reads a prediction tree (and the ground truth,
// when given), computes per-frame J, F and foreground pixel counts, and reduces them to
// per-expression, per-video and data-set scores.
//
// Shape (as COCOeval / detectron2 evaluators): load_eval_input() gathers *what* to score,
// evaluate() scores every (video, frame) in parallel into fixed slots, and summarize()
// reduces them in a fixed order, so results are identical for any thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/mask_png.h"
#include "metrics/robustness.h"
#include "metrics/statistics.h"

namespace r2 {

// One expression of the benchmark.
struct EvalExpression {
    std::string video;   // its positive video
    std::string exp_id;  // its id within that video
    std::string text;
    std::string obj_id;  // object id in the ground truth (needed for J and F)
    std::vector<std::string> frames;           // frames of the positive video
    std::string negative_video;                // empty when no pairs were given
    std::vector<std::string> negative_frames;  // frames of the negative video
    bool negative_in_pool = false;             // the negative video comes from a negative pool (no ground truth)
};

struct EvalInput {
    std::filesystem::path predictions;     // <sub>: Annotations/<video>/<exp_id>/<frame>.png [+ Negatives/…]
    std::filesystem::path gt_annotations;  // <gt>/Annotations/<video>/<frame>.png; empty: no J and F
    std::vector<EvalExpression> expressions;
    bool has_pairs = false;        // negatives are scored (R) only with pairs
    bool allow_missing = false;    // a missing prediction counts as an empty mask
    PngLimits limits;
    double bound_th = 0.008;
    // Where the inputs came from, for summary.json.
    std::filesystem::path gt_root, gt_expressions_file, pairs_file;
};

// Where to look (what the CLI passes on).
struct EvalPaths {
    std::filesystem::path predictions;
    std::filesystem::path gt;     // a Ref-YouTube-VOS root (<gt>/<split>/Annotations + meta_expressions/<split>/…)
                                  // or a split folder (<gt>/Annotations + <gt>/meta_expressions.json); optional
    std::string split = "valid";
    std::filesystem::path pairs;  // r2_pairs.json; optional
    bool allow_missing = false;
};

// Resolves the ground-truth layout, reads meta_expressions.json and r2_pairs.json and checks
// that they agree. Throws r2::Error/FileError with a clear message on any problem.
EvalInput load_eval_input(const EvalPaths& paths);

struct ExpressionResult {
    EvalExpression expression;  // a copy: results outlive the input they came from
    std::vector<double> j, f;                      // per positive frame (empty without ground truth)
    std::vector<int64_t> positive_pixels_per_frame;
    std::vector<int64_t> negative_pixels_per_frame;  // per negative frame (empty without pairs)
    int64_t positive_pixels = 0, negative_pixels = 0;
    SeriesStats j_stats, f_stats;
    std::optional<double> r;  // robustness of this expression (rule in robustness.h); not reported
                              // (nullopt) when any of its negative frames is missing
    int missing_frames = 0;   // predictions scored as empty under allow_missing (positive + negative)
    int missing_negative_frames = 0;  // of which on the negative video
};

struct VideoResult {
    std::string video;
    int expressions = 0;
    double j = 0, f = 0, jf = 0;  // means over its expressions
    int64_t positive_pixels = 0;  // its expressions on this video
    int64_t negative_pixels = 0;  // its expressions on their negative video
    std::optional<double> r;      // nullopt also when a negative frame of one of its expressions is missing
};

struct EvalSummary {
    bool has_gt = false, has_pairs = false;
    int videos = 0, expressions = 0;
    int64_t positive_frames = 0, negative_frames = 0;
    // Under allow_missing. A missing positive frame is scored as an empty mask (as DAVIS does);
    // a missing negative frame is never scored as "nothing segmented": R and J&F&R are then
    // not reported (nullopt), here and for every video and expression concerned.
    int64_t missing_positive_frames = 0, missing_negative_frames = 0;
    bool complete() const { return missing_positive_frames == 0 && missing_negative_frames == 0; }
    SeriesStats j, f;  // means over expressions of each expression's mean / recall / decay
    double jf = 0;
    int64_t positive_pixels = 0, negative_pixels = 0;
    std::optional<double> r, jfr;
};

struct EvalResult {
    std::vector<ExpressionResult> expressions;  // in input order
    std::vector<VideoResult> videos;            // in order of first appearance
    EvalSummary summary;
    std::vector<std::string> notes;  // things the user should know (e.g. "J and F not computed")
};

// Everything that is wrong with the inputs, found before or during scoring.
class EvalInputError : public Error {
public:
    explicit EvalInputError(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

// Scores every frame. Throws EvalInputError listing the problems (missing or extra frames,
// unknown videos or expressions, corrupt PNGs, size mismatches) when there are any; nothing
// is returned in that case.
EvalResult evaluate(const EvalInput& input);

// The reduction step alone (exposed for tests): fills summary and videos from expressions.
void summarize(EvalResult& result, const EvalInput& input);

}  // namespace r2
