#include "metrics/alignment.h"

#include <set>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/text_format.h"
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

std::vector<RocPoint> roc_curve(const std::vector<double>& positive, const std::vector<double>& negative) {
    if (positive.empty() || negative.empty()) return {};
    std::vector<std::pair<double, bool>> all;  // (score, is positive), highest score first
    for (const double v : positive) all.push_back({v, true});
    for (const double v : negative) all.push_back({v, false});
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    // Integer counts per distinct threshold, so that the collinearity test below is exact.
    struct Count {
        int64_t fp, tp;
        std::optional<double> threshold;
    };
    std::vector<Count> counts = {{0, 0, std::nullopt}};
    int64_t fp = 0, tp = 0;
    for (size_t i = 0; i < all.size();) {
        size_t j = i;
        for (; j < all.size() && all[j].first == all[i].first; ++j) (all[j].second ? tp : fp) += 1;
        counts.push_back({fp, tp, all[i].first});
        i = j;
    }
    // A point on the straight line between its neighbours adds nothing to the curve or its area.
    std::vector<RocPoint> out;
    const double np = double(positive.size()), nn = double(negative.size());
    for (size_t i = 0; i < counts.size(); ++i) {
        if (i > 0 && i + 1 < counts.size()) {
            const int64_t dx1 = counts[i].fp - counts[i - 1].fp, dy1 = counts[i].tp - counts[i - 1].tp;
            const int64_t dx2 = counts[i + 1].fp - counts[i].fp, dy2 = counts[i + 1].tp - counts[i].tp;
            if (dx1 * dy2 == dx2 * dy1) continue;
        }
        out.push_back({double(counts[i].fp) / nn, double(counts[i].tp) / np, counts[i].threshold});
    }
    return out;
}

double standard_deviation(const std::vector<double>& values) {
    if (values.size() < 2) return 0;
    double mean = 0;
    for (const double v : values) mean += v;
    mean /= double(values.size());
    double sum = 0;
    for (const double v : values) sum += (v - mean) * (v - mean);
    return std::sqrt(sum / double(values.size()));
}

AlignmentSummary summarize_alignment(std::vector<PairAlignment> pairs) {
    AlignmentSummary s;
    std::vector<double> pos, neg, both;
    int64_t kept_positives = 0, kept_negatives = 0;
    for (const auto& p : pairs) {
        pos.push_back(p.positive), neg.push_back(p.negative);
        s.rejected_positives += p.positive_rejected, s.rejected_negatives += p.negative_rejected;
        kept_positives += !p.positive_rejected, kept_negatives += !p.negative_rejected;
    }
    both = pos;
    both.insert(both.end(), neg.begin(), neg.end());
    s.positives = int64_t(pos.size()), s.negatives = int64_t(neg.size());
    s.auroc = auroc(pos, neg);
    s.accuracy = alignment_accuracy(pos, neg);
    s.roc = roc_curve(pos, neg);
    s.std_dev = standard_deviation(both);
    s.degenerate = !both.empty() && s.std_dev < kDegenerateAlignmentStd;
    s.operating_tpr = pos.empty() ? 0 : double(kept_positives) / double(pos.size());
    s.operating_fpr = neg.empty() ? 0 : double(kept_negatives) / double(neg.size());
    s.pairs = std::move(pairs);
    return s;
}

std::optional<AlignmentSummary> read_alignment_summary(const fs::path& submission) {
    const fs::path file = submission / "scores.json";
    if (submission.empty() || !fs::exists(file)) return std::nullopt;
    std::vector<PairAlignment> pairs;
    std::string model;
    bool synthetic = false;
    try {
        const auto j = nlohmann::json::parse(read_file(file));
        model = j.value("model", "");
        synthetic = j.value("synthetic_weights", false);
        for (const auto& e : j.at("pairs")) {
            PairAlignment p;
            p.video = e.value("video", ""), p.exp_id = e.value("exp_id", ""), p.negative_video = e.value("negative_video", "");
            p.positive = e.at("positive").at("alignment").get<double>();
            p.negative = e.at("negative").at("alignment").get<double>();
            p.positive_rejected = e["positive"].at("rejected").get<bool>();
            p.negative_rejected = e["negative"].at("rejected").get<bool>();
            pairs.push_back(std::move(p));
        }
    } catch (const nlohmann::json::exception& e) {
        throw FileError(file, std::string("not a scores.json of `r2bench run`: ") + e.what());
    }
    AlignmentSummary s = summarize_alignment(std::move(pairs));
    s.model = model, s.synthetic_weights = synthetic;
    return s;
}

double CategoryRobustness::false_alarm_share() const { return r2::false_alarm_share(positive_pixels, negative_pixels); }

std::vector<CategoryRobustness> robustness_by_category(const EvalResult& result,
                                                       const std::map<std::pair<std::string, std::string>, std::string>& category_of) {
    std::map<std::string, CategoryRobustness> by;
    std::set<std::string> incomplete;  // categories with a missing negative frame: R not reported
    std::map<std::string, double> jf_sum;
    for (const auto& e : result.expressions) {
        const auto it = category_of.find({e.expression.video, e.expression.obj_id});
        const std::string category = it == category_of.end() ? "(unknown)" : it->second;
        CategoryRobustness& c = by[category];
        c.category = category;
        ++c.expressions;
        c.positive_pixels += e.positive_pixels;
        c.negative_pixels += e.negative_pixels;
        if (e.missing_negative_frames > 0) incomplete.insert(category);
        if (result.summary.has_gt) jf_sum[category] += (e.j_stats.mean + e.f_stats.mean) / 2;
    }
    std::vector<CategoryRobustness> out;
    for (auto& [name, c] : by) {
        c.negatives_missing = incomplete.count(name) > 0;
        c.r = c.negatives_missing ? std::nullopt : robustness(c.positive_pixels, c.negative_pixels);
        if (result.summary.has_gt) c.jf = jf_sum[name] / c.expressions;
        out.push_back(c);
    }
    return out;
}

void order_by_harm(std::vector<CategoryRobustness>& categories) {
    auto group = [](const CategoryRobustness& c) { return c.negatives_missing ? 2 : c.nothing_predicted() ? 1 : 0; };
    // NaN J&F (no ground truth) compares as +∞, so it never breaks the strict weak order.
    auto jf = [](const CategoryRobustness& c) { return std::isnan(c.jf) ? std::numeric_limits<double>::infinity() : c.jf; };
    std::stable_sort(categories.begin(), categories.end(), [&](const CategoryRobustness& a, const CategoryRobustness& b) {
        if (group(a) != group(b)) return group(a) < group(b);
        if (a.false_alarm_share() != b.false_alarm_share()) return a.false_alarm_share() > b.false_alarm_share();
        if (jf(a) != jf(b)) return jf(a) < jf(b);
        return a.category < b.category;
    });
}

std::string category_r_text(const CategoryRobustness& c) {
    if (c.negatives_missing) return "not reported (negative frames missing)";
    if (c.nothing_predicted()) return "nothing predicted on either video";
    if (!c.r) return "n/a (Σpos = 0: every predicted pixel is a false alarm)";
    return percent(c.r);
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
