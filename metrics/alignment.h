// What a neural run's scores.json adds to `eval`: how well the alignment score A (R2-VOS:
// 1 − p_neg; other models: the chosen query's class probability) separates each expression on its
// own video (positive) from it on its negative video, and R per category of the referred object.
#pragma once
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metrics/evaluation.h"

namespace r2 {

// Area under the ROC curve of `positive` vs `negative` scores = the Mann-Whitney U statistic over
// n_pos · n_neg: P(a positive scores above a negative), a tie counting one half. nullopt when
// either side is empty.
std::optional<double> auroc(const std::vector<double>& positive, const std::vector<double>& negative);

// Fraction of pairs classified right when a pair is called positive iff A > threshold (R2-VOS
// rejects a clip when p_neg ≥ 0.5, i.e. A ≤ 0.5).
std::optional<double> alignment_accuracy(const std::vector<double>& positive, const std::vector<double>& negative,
                                         double threshold = 0.5);

// One point of the ROC curve of A: calling a pair positive iff A ≥ threshold gives these rates.
// The first point, (0, 0), calls nothing positive: its threshold is +∞ (nullopt, null in JSON).
struct RocPoint {
    double fpr = 0, tpr = 0;
    std::optional<double> threshold;
};

// The ROC curve of `positive` (label 1) vs `negative` (label 0) scores, from (0, 0) to (1, 1):
// one candidate point per distinct score, highest first; points in the middle of a straight run
// are dropped (as scikit-learn's roc_curve(drop_intermediate=True)), which leaves the curve and
// its area unchanged. Its trapezoid area equals auroc(). Empty when either side is empty.
std::vector<RocPoint> roc_curve(const std::vector<double>& positive, const std::vector<double>& negative);

// Below this standard deviation of A (pooled over both sides) a pair head is degenerate: the
// bundled untrained r2vos_tiny gives every pair A in [0.49995, 0.50012], so its AUROC and its
// "rejections" at 0.5 are float noise.
constexpr double kDegenerateAlignmentStd = 1e-3;
constexpr const char* kNoSeparationNote = "the alignment scores do not separate pairs";

// R2-VOS empties a clip when sigmoid(pair logit) ≥ 0.5, i.e. A = 1 − sigmoid ≤ 0.5.
constexpr double kR2vosRejectAtOrBelow = 0.5;

// One entry of scores.json: the expression on its own video (positive) and on its negative video.
struct PairAlignment {
    std::string video, exp_id, negative_video;
    double positive = 0, negative = 0;  // A
    bool positive_rejected = false, negative_rejected = false;
};

struct AlignmentSummary {
    std::string model;
    bool synthetic_weights = false;
    int64_t positives = 0, negatives = 0, rejected_positives = 0, rejected_negatives = 0;
    std::optional<double> auroc, accuracy;
    std::vector<RocPoint> roc;
    double std_dev = 0;       // population standard deviation of every A, both sides pooled
    bool degenerate = false;  // std_dev < kDegenerateAlignmentStd
    // The operating point the model used: a pair counts as called positive when its masks were
    // kept (not rejected). A model that never rejects sits at (1, 1).
    double operating_fpr = 0, operating_tpr = 0;
    std::vector<PairAlignment> pairs;  // in scores.json's order
};

// Summary of the pairs of a scores.json (AUROC, ROC, spread, operating point).
AlignmentSummary summarize_alignment(std::vector<PairAlignment> pairs);

// Population standard deviation; 0 for fewer than two values.
double standard_deviation(const std::vector<double>& values);

// Reads <submission>/scores.json; nullopt when there is none (reference models write none).
// Throws FileError on a malformed file.
std::optional<AlignmentSummary> read_alignment_summary(const std::filesystem::path& submission);

struct CategoryRobustness {
    std::string category;
    int expressions = 0;
    int64_t positive_pixels = 0, negative_pixels = 0;
    std::optional<double> r;         // robustness() of the sums; nullopt also when negatives are missing
    double jf = std::numeric_limits<double>::quiet_NaN();  // mean J&F of its expressions (NaN without ground truth)
    bool negatives_missing = false;  // a negative frame of one of its expressions is missing: R not reported
    // No foreground on either side: R = 1 by the formula, which says nothing about robustness.
    bool nothing_predicted() const { return positive_pixels == 0 && negative_pixels == 0; }
    double false_alarm_share() const;
};

// R per category of the referred object, categories in name order. `category_of` maps
// (video, obj_id) to the category (from meta.json); expressions without one are "(unknown)".
std::vector<CategoryRobustness> robustness_by_category(const EvalResult& result,
                                                       const std::map<std::pair<std::string, std::string>, std::string>& category_of);

// Orders categories by what hurts most: those with foreground predicted and R reported first,
// highest false-alarm share (= lowest R, with R undefined as the worst) first, then lowest J&F;
// then the categories with nothing predicted on either video; then those whose R is not reported.
void order_by_harm(std::vector<CategoryRobustness>& categories);

// "12.3" (R in percent), "n/a (Σpos = 0)", "nothing predicted on either video" or "not reported":
// how a table shows a category's R.
std::string category_r_text(const CategoryRobustness& c);

// (video, obj_id) → category from the meta.json beside the ground truth `input` was read from;
// empty when there is none.
std::map<std::pair<std::string, std::string>, std::string> referred_categories(const EvalInput& input);

}  // namespace r2
