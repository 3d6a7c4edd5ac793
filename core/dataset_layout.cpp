#include "core/dataset_layout.h"

#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/pairs.h"
#include "core/text_format.h"
#include "core/ytvos_meta.h"

namespace r2 {
namespace fs = std::filesystem;

InputProblems::InputProblems(std::vector<std::string> problems)
    : Error(problem_list("with the inputs", problems)), problems_(std::move(problems)) {}

GtLayout resolve_gt(const fs::path& root, const std::string& split) {
    const GtLayout candidates[] = {
        {root / split / "Annotations", root / "meta_expressions" / split / "meta_expressions.json"},
        {root / "Annotations", root / "meta_expressions.json"},
    };
    for (const auto& c : candidates)
        if (fs::is_directory(c.annotations) && fs::is_regular_file(c.expressions)) return c;
    throw FileError(root, fmt::format("not a Ref-YouTube-VOS ground-truth tree: looked for {} + {}, and {} + {}",
                                      candidates[0].annotations.string(), candidates[0].expressions.string(),
                                      candidates[1].annotations.string(), candidates[1].expressions.string()));
}

bool valid_object_id(const std::string& id) {
    if (id.empty() || id.size() > 3 || id.find_first_not_of("0123456789") != std::string::npos) return false;
    const int v = std::stoi(id);
    return v >= 1 && v <= 255;
}

BenchSet load_bench_set(const fs::path& gt, const std::string& split, const fs::path& pairs_path) {
    if (gt.empty() && pairs_path.empty())
        throw Error("nothing to score against: give --gt (ground truth, for J and F) and/or --pairs (r2_pairs.json, for R)");
    BenchSet set;
    std::vector<std::string> problems;
    std::optional<MetaExpressions> gt_meta;
    if (!gt.empty()) {
        const GtLayout layout = resolve_gt(gt, split);
        set.gt_root = gt;
        set.gt_annotations = layout.annotations;
        set.gt_expressions_file = layout.expressions;
        gt_meta = read_meta_expressions(layout.expressions);
    }

    if (!pairs_path.empty()) {
        set.pairs_file = pairs_path;
        set.has_pairs = true;
        const R2Pairs pairs = read_r2_pairs(pairs_path);
        std::set<std::pair<std::string, std::string>> in_pairs;
        const size_t problems_before = problems.size();
        for (const auto& p : pairs.pairs) {
            BenchExpression e{p.positive_video, p.exp_id, p.expression, p.obj_id, p.positive_frames, p.negative_video,
                              p.negative_frames, p.negative_source == "pool"};
            in_pairs.insert({p.positive_video, p.exp_id});
            if (gt_meta) {
                const ExpressionVideo* video = gt_meta->find(p.positive_video);
                const Expression* gt_exp = video ? video->find_expression(p.exp_id) : nullptr;
                if (!gt_exp) {
                    problems.push_back(fmt::format("pairs: expression '{}' of video '{}' is not in {}", p.exp_id,
                                                   p.positive_video, set.gt_expressions_file.string()));
                    continue;
                }
                if (e.obj_id.empty()) e.obj_id = gt_exp->obj_id;
                else if (!gt_exp->obj_id.empty() && gt_exp->obj_id != e.obj_id)
                    problems.push_back(fmt::format("pairs: expression '{}' of video '{}' refers to object {} but the "
                                                   "ground truth says {}", p.exp_id, p.positive_video, e.obj_id,
                                                   gt_exp->obj_id));
                if (video->frames != e.frames)
                    problems.push_back(fmt::format("pairs: the frames of video '{}' differ from the ground truth's",
                                                   p.positive_video));
            }
            set.expressions.push_back(std::move(e));
        }
        if (gt_meta)
            for (const auto& video : gt_meta->videos)
                for (const auto& exp : video.expressions)
                    if (!in_pairs.count({video.name, exp.id}))
                        problems.push_back(fmt::format("ground truth expression '{}' of video '{}' has no pair in {}",
                                                       exp.id, video.name, pairs_path.string()));
        // Many mismatches mean another tree (or split) than the one the pairs were built from: one line
        // says so, instead of one line per expression. A few are a hand-edited pairs file: each is listed.
        const size_t mismatches = problems.size() - problems_before;
        constexpr size_t kListedMismatches = 5;
        if (gt_meta && mismatches > kListedMismatches) {
            const auto& source = pairs.provenance.contains("source") ? pairs.provenance["source"] : nlohmann::ordered_json::object();
            const std::string first = problems[problems_before];
            problems.resize(problems_before);
            problems.push_back(fmt::format(
                "{} is not the ground truth {} was built from{}: {} expressions differ or are missing (first: {}); pass the "
                "--source (and --split) the pairs were built on",
                set.gt_expressions_file.string(), pairs_path.string(),
                source.is_object() && source.contains("name")
                    ? fmt::format(" ('{}', split {})", source.value("name", "?"), source.value("split", "?"))
                    : "",
                mismatches, first));
        }
    } else {
        for (const auto& video : gt_meta->videos)
            for (const auto& exp : video.expressions)
                set.expressions.push_back({video.name, exp.id, exp.text, exp.obj_id, video.frames, {}, {}, false});
    }

    if (gt_meta)
        for (const auto& e : set.expressions)
            if (!valid_object_id(e.obj_id))
                problems.push_back(fmt::format("expression '{}' of video '{}' has {}: J and F need an object id 1..255",
                                               e.exp_id, e.video, e.obj_id.empty() ? "no obj_id" : "obj_id '" + e.obj_id + "'"));
    if (set.expressions.empty()) problems.push_back("there are no expressions to score");
    if (!problems.empty()) throw InputProblems(problems);
    return set;
}

}  // namespace r2
