// What a neural run's scores.json adds to `eval`: how well the alignment score A (R2-VOS:
// 1 − p_neg; other models: the chosen query's class probability) separates each expression on its
// own video (positive) from it on its negative video, and R per category of the referred object.
#pragma once
#include <cstdint>
#include <filesystem>
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

struct AlignmentSummary {
    std::string model;
    bool synthetic_weights = false;
    int64_t positives = 0, negatives = 0, rejected_positives = 0, rejected_negatives = 0;
    std::optional<double> auroc, accuracy;
};

// Reads <submission>/scores.json; nullopt when there is none (reference models write none).
// Throws FileError on a malformed file.
std::optional<AlignmentSummary> read_alignment_summary(const std::filesystem::path& submission);

struct CategoryRobustness {
    std::string category;
    int expressions = 0;
    int64_t positive_pixels = 0, negative_pixels = 0;
    std::optional<double> r;  // robustness() of the sums
};

// R per category of the referred object, categories in name order. `category_of` maps
// (video, obj_id) to the category (from meta.json); expressions without one are "(unknown)".
std::vector<CategoryRobustness> robustness_by_category(const EvalResult& result,
                                                       const std::map<std::pair<std::string, std::string>, std::string>& category_of);

// (video, obj_id) → category from the meta.json beside the ground truth `input` was read from;
// empty when there is none.
std::map<std::pair<std::string, std::string>, std::string> referred_categories(const EvalInput& input);

}  // namespace r2
