#include "core/dataset_layout.h"

#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/mevis.h"
#include "core/ref_davis.h"
#include "core/pairs.h"
#include "core/text_format.h"
#include "core/ytvos_meta.h"

namespace r2 {
namespace fs = std::filesystem;

InputProblems::InputProblems(std::vector<std::string> problems)
    : Error(problem_list("with the inputs", problems)), problems_(std::move(problems)) {}

SourceFormat parse_source_format(const std::string& name) {
    if (name == "ref-youtube-vos" || name == "ytvos") return SourceFormat::ref_youtube_vos;
    if (name == "ref-davis" || name == "davis") return SourceFormat::ref_davis;
    if (name == "mevis") return SourceFormat::mevis;
    throw Error(fmt::format("unknown format '{}' (ref-youtube-vos, ref-davis or mevis)", name));
}

std::optional<SourceFormat> detect_source_format(const fs::path& root) {
    std::error_code ec;
    if (fs::is_directory(root / "meta_expressions", ec)) return SourceFormat::ref_youtube_vos;
    if (fs::is_directory(root / "davis_text_annotations", ec) || fs::is_directory(root / "DAVIS", ec)) return SourceFormat::ref_davis;
    if (fs::exists(root / "mask_dict.json", ec)) return SourceFormat::mevis;  // a MeViS split folder
    if (fs::is_directory(root / "Annotations", ec) && fs::exists(root / "meta_expressions.json", ec))
        return SourceFormat::ref_youtube_vos;  // a Ref-YouTube-VOS split folder
    for (const char* split : {"valid_u", "valid", "train"})
        if (fs::exists(root / split / "mask_dict.json", ec) || (fs::exists(root / split / "meta_expressions.json", ec) &&
                                                                 !fs::exists(root / "meta_expressions", ec)))
            return SourceFormat::mevis;
    return std::nullopt;
}

const char* source_format_name(SourceFormat f) {
    switch (f) {
        case SourceFormat::ref_youtube_vos: return "ref-youtube-vos";
        case SourceFormat::ref_davis: return "ref-davis";
        case SourceFormat::mevis: return "mevis";
    }
    return "?";
}

std::string source_format_clues() {
    return "meta_expressions/ (Ref-YouTube-VOS), DAVIS/ or davis_text_annotations/ (Ref-DAVIS17), "
           "<split>/mask_dict.json (MeViS)";
}

fs::path frames_folder(const fs::path& root, SourceFormat format, const std::string& split) {
    switch (format) {
        case SourceFormat::ref_davis: return root / "DAVIS" / "JPEGImages" / "480p";
        case SourceFormat::ref_youtube_vos:
        case SourceFormat::mevis:
            if (fs::is_directory(root / split / "JPEGImages")) return root / split / "JPEGImages";
            return root / "JPEGImages";  // a split folder
    }
    return root;
}

fs::path expressions_path(const fs::path& root, SourceFormat format, const std::string& split) {
    switch (format) {
        case SourceFormat::ref_youtube_vos: return root / "meta_expressions" / split / "meta_expressions.json";
        case SourceFormat::mevis: return root / split / "meta_expressions.json";
        case SourceFormat::ref_davis: return root / "davis_text_annotations";
    }
    return root;
}

fs::path ref_davis_annotations(const fs::path& root, bool unsupervised) {
    return root / "DAVIS" / (unsupervised ? "Annotations_unsupervised" : "Annotations") / "480p";
}

GtLayout resolve_gt(const fs::path& root, const std::string& split) {
    const GtLayout candidates[] = {
        {SourceFormat::ref_youtube_vos, root / split / "Annotations", expressions_path(root, SourceFormat::ref_youtube_vos, split), {}},
        {SourceFormat::ref_youtube_vos, root / "Annotations", root / "meta_expressions.json", {}},
        {SourceFormat::mevis, {}, expressions_path(root, SourceFormat::mevis, split), root / split / "mask_dict.json"},
        {SourceFormat::mevis, {}, root / "meta_expressions.json", root / "mask_dict.json"},
    };
    for (const auto& c : candidates) {
        if (c.format == SourceFormat::mevis ? fs::is_regular_file(c.mask_dict) && fs::is_regular_file(c.expressions)
                                            : fs::is_directory(c.annotations) && fs::is_regular_file(c.expressions))
            return c;
    }
    // Ref-DAVIS17: the semi-supervised annotations hold each object under its id, as the
    // expressions name it (the per-expression view the oracle runners and training use; `eval`
    // scores Ref-DAVIS17 by the DAVIS protocol instead, metrics/ref_davis_eval.h).
    const fs::path davis_annotations = ref_davis_annotations(root, false), davis_text = expressions_path(root, SourceFormat::ref_davis, split);
    if (fs::is_directory(davis_annotations) && fs::is_directory(davis_text))
        return {SourceFormat::ref_davis, davis_annotations, davis_text, {}};
    throw FileError(root, fmt::format("not a ground-truth tree of split '{}': looked for {} + {} (Ref-YouTube-VOS), {} + {} "
                                      "(a split folder), {} + {} (MeViS), {} + {} (a MeViS split folder) and DAVIS/Annotations/480p + "
                                      "davis_text_annotations/ (Ref-DAVIS17)",
                                      split, candidates[0].annotations.string(), candidates[0].expressions.string(),
                                      candidates[1].annotations.string(), candidates[1].expressions.string(),
                                      candidates[2].expressions.string(), candidates[2].mask_dict.string(),
                                      candidates[3].expressions.string(), candidates[3].mask_dict.string()));
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
        set.gt_format = layout.format;
        set.gt_split = split;
        set.frames_dir = frames_folder(gt, layout.format, split);
        set.gt_annotations = layout.annotations;
        set.gt_expressions_file = layout.expressions;
        gt_meta = layout.format == SourceFormat::ref_davis ? read_ref_davis(gt, split).expressions
                                                           : read_meta_expressions(layout.expressions);
        if (layout.format == SourceFormat::mevis)
            set.mevis_masks = std::make_shared<const MevisMaskDict>(read_mevis_mask_dict(layout.mask_dict));
    }

    if (!pairs_path.empty()) {
        set.pairs_file = pairs_path;
        set.has_pairs = true;
        const R2Pairs pairs = read_r2_pairs(pairs_path);
        std::set<std::pair<std::string, std::string>> in_pairs;
        const size_t problems_before = problems.size();
        for (const auto& p : pairs.pairs) {
            BenchExpression e{p.positive_video, p.exp_id, p.expression, p.obj_id, p.positive_frames, p.negative_video,
                              p.negative_frames, p.negative_source == "pool", {}};
            in_pairs.insert({p.positive_video, p.exp_id});
            if (gt_meta) {
                const ExpressionVideo* video = gt_meta->find(p.positive_video);
                const Expression* gt_exp = video ? video->find_expression(p.exp_id) : nullptr;
                if (!gt_exp) {
                    problems.push_back(fmt::format("pairs: expression '{}' of video '{}' is not in {}", p.exp_id,
                                                   p.positive_video, set.gt_expressions_file.string()));
                    continue;
                }
                e.anno_ids = mevis_anno_ids(*gt_exp);
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
                set.expressions.push_back({video.name, exp.id, exp.text, exp.obj_id, video.frames, {}, {}, false,
                                           mevis_anno_ids(exp)});
    }

    if (gt_meta && set.mevis_masks) {
        // MeViS: the ground truth is the union of the expression's anno_ids in mask_dict.json.
        for (const auto& e : set.expressions) {
            if (e.anno_ids.empty())
                problems.push_back(fmt::format("expression '{}' of video '{}' has no anno_id: J and F need its objects' masks",
                                               e.exp_id, e.video));
            for (const auto& id : e.anno_ids) {
                const auto it = set.mevis_masks->annotations.find(id);
                if (it == set.mevis_masks->annotations.end())
                    problems.push_back(fmt::format("expression '{}' of video '{}': anno_id '{}' is not in mask_dict.json",
                                                   e.exp_id, e.video, id));
                else if (it->second.size() != e.frames.size())
                    problems.push_back(fmt::format("expression '{}' of video '{}': anno_id '{}' has masks for {} frames, the video "
                                                   "has {}", e.exp_id, e.video, id, it->second.size(), e.frames.size()));
            }
        }
    } else if (gt_meta)
        for (const auto& e : set.expressions)
            if (!valid_object_id(e.obj_id))
                problems.push_back(fmt::format("expression '{}' of video '{}' has {}: J and F need an object id 1..255",
                                               e.exp_id, e.video, e.obj_id.empty() ? "no obj_id" : "obj_id '" + e.obj_id + "'"));
    if (set.expressions.empty()) problems.push_back("there are no expressions to score");
    if (!problems.empty()) throw InputProblems(problems);
    return set;
}

}  // namespace r2
