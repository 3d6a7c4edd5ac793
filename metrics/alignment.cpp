#include "metrics/alignment.h"

#include <set>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/ytvos_meta.h"
#include "metrics/robustness.h"

namespace r2 {
namespace fs = std::filesystem;

std::optional<double> auroc(const std::vector<double>& positive, const std::vector<double>& negative) {
    if (positive.empty() || negative.empty()) return std::nullopt;
    // Rank-sum form of U with average ranks over ties: O(n log n).
    std::vector<std::pair<double, bool>> all;
    for (const double v : positive) all.push_back({v, true});
    for (const double v : negative) all.push_back({v, false});
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double positive_rank_sum = 0;
    for (size_t i = 0; i < all.size();) {
        size_t j = i;
        while (j < all.size() && all[j].first == all[i].first) ++j;
        const double rank = 0.5 * double(i + 1 + j);  // mean of ranks i+1 … j
        for (size_t k = i; k < j; ++k)
            if (all[k].second) positive_rank_sum += rank;
        i = j;
    }
    const double np = double(positive.size()), nn = double(negative.size());
    return (positive_rank_sum - np * (np + 1) / 2) / (np * nn);
}

std::optional<double> alignment_accuracy(const std::vector<double>& positive, const std::vector<double>& negative, double threshold) {
    if (positive.empty() && negative.empty()) return std::nullopt;
    int64_t right = 0;
    for (const double v : positive) right += v > threshold;
    for (const double v : negative) right += v <= threshold;
    return double(right) / double(positive.size() + negative.size());
}

std::optional<AlignmentSummary> read_alignment_summary(const fs::path& submission) {
    const fs::path file = submission / "scores.json";
    if (!fs::exists(file)) return std::nullopt;
    AlignmentSummary s;
    std::vector<double> pos, neg;
    try {
        const auto j = nlohmann::json::parse(read_file(file));
        s.model = j.value("model", "");
        s.synthetic_weights = j.value("synthetic_weights", false);
        for (const auto& e : j.at("pairs")) {
            pos.push_back(e.at("positive").at("alignment").get<double>());
            neg.push_back(e.at("negative").at("alignment").get<double>());
            s.rejected_positives += e["positive"].at("rejected").get<bool>();
            s.rejected_negatives += e["negative"].at("rejected").get<bool>();
        }
    } catch (const nlohmann::json::exception& e) {
        throw FileError(file, std::string("not a scores.json of `r2bench run`: ") + e.what());
    }
    s.positives = int64_t(pos.size());
    s.negatives = int64_t(neg.size());
    s.auroc = auroc(pos, neg);
    s.accuracy = alignment_accuracy(pos, neg);
    return s;
}

std::vector<CategoryRobustness> robustness_by_category(const EvalResult& result,
                                                       const std::map<std::pair<std::string, std::string>, std::string>& category_of) {
    std::map<std::string, CategoryRobustness> by;
    std::set<std::string> incomplete;  // categories with a missing negative frame: R not reported
    for (const auto& e : result.expressions) {
        const auto it = category_of.find({e.expression.video, e.expression.obj_id});
        const std::string category = it == category_of.end() ? "(unknown)" : it->second;
        CategoryRobustness& c = by[category];
        c.category = category;
        ++c.expressions;
        c.positive_pixels += e.positive_pixels;
        c.negative_pixels += e.negative_pixels;
        if (e.missing_negative_frames > 0) incomplete.insert(category);
    }
    std::vector<CategoryRobustness> out;
    for (auto& [name, c] : by) {
        c.r = incomplete.count(name) ? std::nullopt : robustness(c.positive_pixels, c.negative_pixels);
        out.push_back(c);
    }
    return out;
}

std::map<std::pair<std::string, std::string>, std::string> referred_categories(const EvalInput& input) {
    std::map<std::pair<std::string, std::string>, std::string> out;
    std::vector<fs::path> candidates = {input.gt_root / "meta.json"};
    // A root's expressions are <root>/meta_expressions/<split>/meta_expressions.json; meta.json is <root>/<split>/.
    if (!input.gt_expressions_file.empty())
        candidates.push_back(input.gt_root / input.gt_expressions_file.parent_path().filename() / "meta.json");
    for (const auto& file : candidates) {
        if (input.gt_root.empty() || !fs::is_regular_file(file)) continue;
        for (const auto& v : read_video_meta(file).videos)
            for (const auto& o : v.objects) out[{v.name, o.id}] = o.category;
        break;
    }
    return out;
}

}  // namespace r2
