// The evaluation engine behind `r2bench eval`, in two parts:
//
//  * R2Evaluator, in the shape of detectron2's DatasetEvaluator: reset() / process(ground truth,
//    prediction) on in-memory masks, one frame at a time, positive or negative side alike /
//    evaluate(), which reduces the per-frame J, F and foreground pixel counts to per-expression,
//    per-video and data-set scores. It reads no file, so a runner can score the masks it has just
//    computed.
//  * evaluate(EvalInput), the driver: walks the prediction tree (Annotations/, Negatives/), reads
//    the ground-truth and prediction PNGs, applies the missing-frame rules of --allow-missing and
//    feeds every frame to an R2Evaluator.
//
// Frames are processed in parallel into fixed slots and reduced in input order, so results are
// identical for any thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "metrics/bitmask.h"
#include "metrics/robustness.h"
#include "metrics/statistics.h"

namespace r2 {

// One expression of the benchmark (the layout reader's struct: core/dataset_layout.h).
using EvalExpression = BenchExpression;
// Everything that is wrong with the inputs, found before or during scoring.
using EvalInputError = InputProblems;

// What the driver scores: the benchmark (expressions, ground truth, pairs; a BenchSet so that
// its fields read as before) and where the predictions are.
struct EvalInput : BenchSet {
    std::filesystem::path predictions;  // <sub>: Annotations/<video>/<exp_id>/<frame>.png [+ Negatives/…]
    std::filesystem::path positives;    // predictions/Annotations, or (MeViS' own layout, without
                                        // Annotations/) predictions itself; empty: predictions/Annotations
    std::filesystem::path shown_as;     // how reports name the predictions (a scored zip, not its scratch folder); empty: predictions
    bool allow_missing = false;         // a missing prediction counts as an empty mask
    PngLimits limits;
    double bound_th = 0.008;
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

// Checks the prediction folder and reads the benchmark (load_bench_set). Throws r2::Error/FileError
// with a clear message, or EvalInputError listing every disagreement between ground truth and pairs.
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

// The note an evaluation without ground truth carries; a protocol that computes J and F its own
// way (Ref-DAVIS17, reports/ref_davis_report.h) takes it out.
inline constexpr const char* kNoGroundTruthNote = "no ground truth given (--source): J and F were not computed";

struct EvalResult {
    std::vector<ExpressionResult> expressions;  // in input order
    std::vector<VideoResult> videos;            // in order of first appearance
    EvalSummary summary;
    std::vector<std::string> notes;  // things the user should know (e.g. "J and F not computed")
};

// ---- The evaluator ---------------------------------------------------------------------------

enum class Side { positive, negative };

// One frame of one expression: the expression's index in the evaluator's list, the side (its own
// video or its negative video) and the frame's index in that side's frame list.
struct FrameKey {
    size_t expression = 0;
    Side side = Side::positive;
    size_t frame = 0;
};

class R2Evaluator {
public:
    // `has_gt`: J and F are computed (positive frames then need their ground truth); `has_pairs`:
    // negative frames are scored and R reported.
    R2Evaluator(std::vector<EvalExpression> expressions, bool has_gt, bool has_pairs, double bound_th = 0.008);

    // Forgets every processed frame.
    void reset();

    // Scores one frame. `ground_truth`: the expression's object on a positive frame when has_gt
    // (nullptr otherwise; ignored on negative frames). `prediction`: the predicted foreground, or
    // nullptr for a missing prediction, which is scored as an empty mask (as DAVIS does) and
    // counted; a missing negative frame withholds R (see EvalSummary). Throws r2::Error when the
    // prediction's size differs from the ground truth's. Calls for different frames may run
    // concurrently: each frame has its own slot.
    void process(const FrameKey& key, const BitMask* ground_truth, const BitMask* prediction);

    // The results, reduced in input order. Every frame must have been processed (throws r2::Error
    // naming the first that was not).
    EvalResult evaluate() const;

    const std::vector<EvalExpression>& expressions() const { return expressions_; }

private:
    enum State : char { kUnseen, kScored, kMissing };
    std::vector<EvalExpression> expressions_;
    bool has_gt_, has_pairs_;
    double bound_th_;
    std::vector<ExpressionResult> frames_;             // per-frame J, F and pixels of each expression
    std::vector<std::vector<State>> positive_, negative_;  // what became of each frame
};

// The driver: scores every frame of the prediction tree. Throws EvalInputError listing the
// problems (missing or extra frames, unknown videos or expressions, corrupt PNGs, size
// mismatches) when there are any; nothing is returned in that case.
EvalResult evaluate(const EvalInput& input);

}  // namespace r2
