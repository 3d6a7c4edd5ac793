#include "metrics/evaluation.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/pairs.h"
#include "core/progress.h"
#include "core/wording.h"
#include "core/ytvos_meta.h"
#include "metrics/bitmask.h"
#include "metrics/frame_metrics.h"

namespace r2 {
namespace fs = std::filesystem;

static std::string join_problems(const std::vector<std::string>& problems) {
    std::string text = fmt::format("{} problem(s) with the inputs:", problems.size());
    for (size_t i = 0; i < problems.size() && i < 20; ++i) text += "\n  " + problems[i];
    if (problems.size() > 20) text += fmt::format("\n  … and {} more", problems.size() - 20);
    return text;
}

EvalInputError::EvalInputError(std::vector<std::string> problems)
    : Error(join_problems(problems)), problems_(std::move(problems)) {}

// ---------------------------------------------------------------------------------------------
// Gathering what to score

namespace {

struct GtLayout {
    fs::path annotations, expressions;
};

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

}  // namespace

EvalInput load_eval_input(const EvalPaths& paths) {
    EvalInput input;
    input.predictions = paths.predictions;
    input.allow_missing = paths.allow_missing;
    if (!fs::is_directory(paths.predictions)) throw FileError(paths.predictions, "prediction folder not found");
    if (!fs::is_directory(paths.predictions / "Annotations"))
        throw FileError(paths.predictions, "has no Annotations/ folder (expected Annotations/<video>/<exp_id>/<frame>.png)");
    if (paths.gt.empty() && paths.pairs.empty())
        throw Error("nothing to score against: give --gt (ground truth, for J and F) and/or --pairs (r2_pairs.json, for R)");

    std::vector<std::string> problems;
    std::optional<MetaExpressions> gt_meta;
    if (!paths.gt.empty()) {
        const GtLayout layout = resolve_gt(paths.gt, paths.split);
        input.gt_root = paths.gt;
        input.gt_annotations = layout.annotations;
        input.gt_expressions_file = layout.expressions;
        gt_meta = read_meta_expressions(layout.expressions);
    }

    if (!paths.pairs.empty()) {
        input.pairs_file = paths.pairs;
        input.has_pairs = true;
        const R2Pairs pairs = read_r2_pairs(paths.pairs);
        std::set<std::pair<std::string, std::string>> in_pairs;
        for (const auto& p : pairs.pairs) {
            EvalExpression e{p.positive_video, p.exp_id, p.expression, p.obj_id, p.positive_frames, p.negative_video,
                             p.negative_frames, p.negative_source == "pool"};
            in_pairs.insert({p.positive_video, p.exp_id});
            if (gt_meta) {
                const ExpressionVideo* video = gt_meta->find(p.positive_video);
                const Expression* gt_exp = video ? video->find_expression(p.exp_id) : nullptr;
                if (!gt_exp) {
                    problems.push_back(fmt::format("pairs: expression '{}' of video '{}' is not in {}", p.exp_id,
                                                   p.positive_video, input.gt_expressions_file.string()));
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
            input.expressions.push_back(std::move(e));
        }
        if (gt_meta)
            for (const auto& video : gt_meta->videos)
                for (const auto& exp : video.expressions)
                    if (!in_pairs.count({video.name, exp.id}))
                        problems.push_back(fmt::format("ground truth expression '{}' of video '{}' has no pair in {}",
                                                       exp.id, video.name, paths.pairs.string()));
    } else {
        for (const auto& video : gt_meta->videos)
            for (const auto& exp : video.expressions)
                input.expressions.push_back({video.name, exp.id, exp.text, exp.obj_id, video.frames, {}, {}, false});
    }

    if (gt_meta)
        for (const auto& e : input.expressions)
            if (!valid_object_id(e.obj_id))
                problems.push_back(fmt::format("expression '{}' of video '{}' has {}: J and F need an object id 1..255",
                                               e.exp_id, e.video, e.obj_id.empty() ? "no obj_id" : "obj_id '" + e.obj_id + "'"));
    if (input.expressions.empty()) problems.push_back("there are no expressions to score");
    if (!problems.empty()) throw EvalInputError(problems);
    return input;
}

// ---------------------------------------------------------------------------------------------
// Checking the prediction tree against what is expected

namespace {

// expected[video][exp_id] = frames
using ExpectedTree = std::map<std::string, std::map<std::string, std::set<std::string>>>;

std::vector<fs::directory_entry> sorted_entries(const fs::path& dir) {
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
    if (ec) throw FileError(dir, "cannot list folder: " + ec.message());
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    return entries;
}

void check_tree(const fs::path& root, const std::string& label, const ExpectedTree& expected, bool allow_missing,
                std::vector<std::string>& problems, int64_t& missing) {
    // Extra entries: unknown videos, unknown expressions, files that are not expected frames.
    if (fs::is_directory(root)) {
        for (const auto& video_dir : sorted_entries(root)) {
            const std::string video = video_dir.path().filename().string();
            const auto v = expected.find(video);
            if (v == expected.end()) {
                problems.push_back(fmt::format("{}/{}: unknown video", label, video));
                continue;
            }
            if (!video_dir.is_directory()) {
                problems.push_back(fmt::format("{}/{}: expected a folder of expressions", label, video));
                continue;
            }
            for (const auto& exp_dir : sorted_entries(video_dir.path())) {
                const std::string exp_id = exp_dir.path().filename().string();
                const auto e = v->second.find(exp_id);
                if (e == v->second.end()) {
                    problems.push_back(fmt::format("{}/{}/{}: unknown expression", label, video, exp_id));
                    continue;
                }
                if (!exp_dir.is_directory()) {
                    problems.push_back(fmt::format("{}/{}/{}: expected a folder of frames", label, video, exp_id));
                    continue;
                }
                for (const auto& file : sorted_entries(exp_dir.path())) {
                    const fs::path name = file.path().filename();
                    if (name == ".DS_Store" || name == "Thumbs.db") continue;  // added by file browsers
                    if (name.extension() != ".png" || !e->second.count(name.stem().string()))
                        problems.push_back(
                            fmt::format("{}/{}/{}/{}: extra file (not a frame of this video)", label, video, exp_id,
                                        name.string()));
                }
            }
        }
    }
    // Missing frames; a whole missing video or expression folder is one problem, not one per frame.
    for (const auto& [video, expressions] : expected) {
        if (!fs::is_directory(root / video)) {
            size_t frames = 0;
            for (const auto& [exp_id, f] : expressions) frames += f.size();
            missing += int64_t(frames);
            if (!allow_missing)
                problems.push_back(fmt::format("{}/{}/: missing video folder ({}, {})", label, video,
                                               plural(int64_t(expressions.size()), "expression"), plural(int64_t(frames), "frame")));
            continue;
        }
        for (const auto& [exp_id, frames] : expressions) {
            if (!fs::is_directory(root / video / exp_id)) {
                missing += int64_t(frames.size());
                if (!allow_missing)
                    problems.push_back(
                        fmt::format("{}/{}/{}/: missing expression folder ({})", label, video, exp_id, plural(int64_t(frames.size()), "frame")));
                continue;
            }
            for (const auto& frame : frames)
                if (!fs::exists(root / video / exp_id / (frame + ".png"))) {
                    ++missing;
                    if (!allow_missing)
                        problems.push_back(fmt::format("{}/{}/{}/{}.png: missing prediction", label, video, exp_id, frame));
                }
        }
    }
}

// One unit of parallel work: one frame of one video, with every expression that needs it.
struct FrameUnit {
    std::string video, frame;
    std::vector<std::pair<size_t, size_t>> uses;  // (expression index, frame index in that expression)
};

std::vector<FrameUnit> group_by_frame(const std::vector<EvalExpression>& expressions, bool negatives) {
    std::vector<FrameUnit> units;
    std::unordered_map<std::string, size_t> index;
    for (size_t e = 0; e < expressions.size(); ++e) {
        const auto& ex = expressions[e];
        const std::string& video = negatives ? ex.negative_video : ex.video;
        const auto& frames = negatives ? ex.negative_frames : ex.frames;
        for (size_t t = 0; t < frames.size(); ++t) {
            const std::string key = video + '/' + frames[t];
            auto [it, inserted] = index.emplace(key, units.size());
            if (inserted) units.push_back({video, frames[t], {}});
            units[it->second].uses.emplace_back(e, t);
        }
    }
    return units;
}

struct Size {
    int width = 0, height = 0;
    bool operator!=(const Size& o) const { return width != o.width || height != o.height; }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Scoring

EvalResult evaluate(const EvalInput& input) {
    const bool has_gt = !input.gt_annotations.empty();
    const fs::path positives_root = input.predictions / "Annotations";
    const fs::path negatives_root = input.predictions / "Negatives";

    EvalResult result;
    std::vector<std::string> problems;
    int64_t missing_positive = 0, missing_negative = 0;
    {
        ExpectedTree positive_tree, negative_tree;
        for (const auto& e : input.expressions) {
            positive_tree[e.video][e.exp_id].insert(e.frames.begin(), e.frames.end());
            if (input.has_pairs) negative_tree[e.negative_video][e.exp_id].insert(e.negative_frames.begin(), e.negative_frames.end());
        }
        check_tree(positives_root, "Annotations", positive_tree, input.allow_missing, problems, missing_positive);
        if (input.has_pairs)
            check_tree(negatives_root, "Negatives", negative_tree, input.allow_missing, problems, missing_negative);
        else if (fs::is_directory(negatives_root))
            result.notes.push_back("Negatives/ was found but no --pairs was given: R was not computed");
    }
    if (!problems.empty()) throw EvalInputError(problems);

    const size_t n = input.expressions.size();
    result.expressions.resize(n);
    std::vector<std::vector<Size>> positive_sizes(n), negative_sizes(n);
    for (size_t e = 0; e < n; ++e) {
        auto& r = result.expressions[e];
        const auto& ex = input.expressions[e];
        r.expression = ex;
        if (has_gt) r.j.assign(ex.frames.size(), 0.0), r.f.assign(ex.frames.size(), 0.0);
        r.positive_pixels_per_frame.assign(ex.frames.size(), 0);
        positive_sizes[e].assign(ex.frames.size(), {});
        if (input.has_pairs) {
            r.negative_pixels_per_frame.assign(ex.negative_frames.size(), 0);
            negative_sizes[e].assign(ex.negative_frames.size(), {});
        }
    }

    const std::vector<FrameUnit> positive_units = group_by_frame(input.expressions, false);
    const std::vector<FrameUnit> negative_units =
        input.has_pairs ? group_by_frame(input.expressions, true) : std::vector<FrameUnit>{};
    const size_t total_units = positive_units.size() + negative_units.size();
    std::vector<std::vector<std::string>> unit_problems(total_units);
    std::vector<int> missing_by_expression(n, 0), missing_negative_by_expression(n, 0);
    std::mutex missing_mutex;

    // Reads a prediction; a missing file (allowed by then, or check_tree would have refused)
    // is an empty mask of the reference size.
    auto read_prediction = [&](const fs::path& path, Size reference, size_t e, bool negative, bool& missing) -> BitMask {
        missing = !fs::exists(path);
        if (missing) {
            std::lock_guard<std::mutex> lock(missing_mutex);
            ++missing_by_expression[e];
            if (negative) ++missing_negative_by_expression[e];
            return BitMask(reference.width, reference.height);
        }
        return mask_of_foreground(read_prediction_png(path, input.limits));
    };

    // Counted in expression frames (positive + negative), the numbers the summary prints.
    size_t total_frames = 0;
    for (const auto& units : {&positive_units, &negative_units})
        for (const auto& unit : *units) total_frames += unit.uses.size();
    Progress progress("evaluating frames", total_frames);
    tbb::parallel_for(size_t(0), total_units, [&](size_t u) {
        std::vector<std::string>& out_problems = unit_problems[u];
        try {
            if (u < positive_units.size()) {
                const FrameUnit& unit = positive_units[u];
                LabelMap gt;
                Size reference;
                if (has_gt) {
                    gt = read_label_png(input.gt_annotations / unit.video / (unit.frame + ".png"), input.limits);
                    reference = {gt.width, gt.height};
                }
                std::map<std::string, BitMask> gt_objects;  // one mask per object id used in this frame
                for (const auto& [e, t] : unit.uses) {
                    const EvalExpression& ex = input.expressions[e];
                    const fs::path path = positives_root / ex.video / ex.exp_id / (unit.frame + ".png");
                    try {
                        bool missing = false;
                        const BitMask pred = read_prediction(path, reference, e, false, missing);
                        positive_sizes[e][t] = missing ? Size{} : Size{pred.width, pred.height};
                        if (has_gt && !missing && Size{pred.width, pred.height} != reference) {
                            out_problems.push_back(fmt::format("{}: size {}x{} differs from the ground truth's {}x{}",
                                                               path.string(), pred.width, pred.height, reference.width,
                                                               reference.height));
                            continue;
                        }
                        auto& r = result.expressions[e];
                        r.positive_pixels_per_frame[t] = count(pred);
                        if (has_gt) {
                            auto it = gt_objects.find(ex.obj_id);
                            if (it == gt_objects.end())
                                it = gt_objects.emplace(ex.obj_id, mask_of_label(gt, uint8_t(std::stoi(ex.obj_id)))).first;
                            r.j[t] = jaccard(it->second, pred);
                            r.f[t] = boundary_f(it->second, pred, input.bound_th).f;
                        }
                    } catch (const FileError& error) {
                        out_problems.push_back(error.what());
                    }
                }
            } else {
                const FrameUnit& unit = negative_units[u - positive_units.size()];
                Size reference;
                const bool gt_for_video = has_gt && !input.expressions[unit.uses.front().first].negative_in_pool;
                if (gt_for_video) {
                    const auto size = read_png_size(input.gt_annotations / unit.video / (unit.frame + ".png"));
                    reference = {size[0], size[1]};
                }
                for (const auto& [e, t] : unit.uses) {
                    const EvalExpression& ex = input.expressions[e];
                    const fs::path path = negatives_root / unit.video / ex.exp_id / (unit.frame + ".png");
                    try {
                        bool missing = false;
                        const BitMask pred = read_prediction(path, reference, e, true, missing);
                        negative_sizes[e][t] = missing ? Size{} : Size{pred.width, pred.height};
                        if (gt_for_video && !missing && Size{pred.width, pred.height} != reference) {
                            out_problems.push_back(fmt::format("{}: size {}x{} differs from the ground truth's {}x{}",
                                                               path.string(), pred.width, pred.height, reference.width,
                                                               reference.height));
                            continue;
                        }
                        result.expressions[e].negative_pixels_per_frame[t] = count(pred);
                    } catch (const FileError& error) {
                        out_problems.push_back(error.what());
                    }
                }
            }
        } catch (const FileError& error) {  // the ground-truth frame itself
            out_problems.push_back(error.what());
        }
        progress.advance(u < positive_units.size() ? positive_units[u].uses.size()
                                                   : negative_units[u - positive_units.size()].uses.size());
    });
    progress.finish();

    for (const auto& list : unit_problems) problems.insert(problems.end(), list.begin(), list.end());

    if (!has_gt) {
        // Without ground truth the only size reference is the video itself: every prediction
        // of one video (for any expression, positive or negative) must have the same size.
        std::map<std::string, std::pair<Size, std::string>> video_size;
        auto check = [&](const std::string& video, Size size, const std::string& where) {
            if (size.width == 0) return;  // missing, scored empty
            auto [it, inserted] = video_size.emplace(video, std::make_pair(size, where));
            if (!inserted && it->second.first != size)
                problems.push_back(fmt::format("{}: size {}x{} differs from {} ({}x{})", where, size.width, size.height,
                                               it->second.second, it->second.first.width, it->second.first.height));
        };
        for (size_t e = 0; e < n; ++e) {
            const auto& ex = input.expressions[e];
            for (size_t t = 0; t < ex.frames.size(); ++t)
                check(ex.video, positive_sizes[e][t], fmt::format("Annotations/{}/{}/{}.png", ex.video, ex.exp_id, ex.frames[t]));
        }
        for (size_t e = 0; e < n && input.has_pairs; ++e) {
            const auto& ex = input.expressions[e];
            for (size_t t = 0; t < ex.negative_frames.size(); ++t)
                check(ex.negative_video, negative_sizes[e][t],
                      fmt::format("Negatives/{}/{}/{}.png", ex.negative_video, ex.exp_id, ex.negative_frames[t]));
        }
    }
    if (!problems.empty()) throw EvalInputError(problems);

    for (size_t e = 0; e < n; ++e) {
        result.expressions[e].missing_frames = missing_by_expression[e];
        result.expressions[e].missing_negative_frames = missing_negative_by_expression[e];
    }
    result.summary.missing_positive_frames = missing_positive;
    result.summary.missing_negative_frames = missing_negative;
    summarize(result, input);
    if (!has_gt) result.notes.push_back("no ground truth given (--source): J and F were not computed");
    if (!input.has_pairs) result.notes.push_back("no pairs given (--pairs): R and J&F&R were not computed");
    if (input.has_pairs && result.summary.missing_negative_frames > 0)
        result.notes.push_back(fmt::format(
            "{} missing: R and J&F&R are not reported (a missing negative frame is not \"nothing segmented\"), "
            "nor R of the videos and expressions concerned",
            plural(result.summary.missing_negative_frames, "negative prediction")));
    return result;
}

// ---------------------------------------------------------------------------------------------
// Reduction, in input order

void summarize(EvalResult& result, const EvalInput& input) {
    EvalSummary& s = result.summary;
    s.has_gt = !input.gt_annotations.empty();
    s.has_pairs = input.has_pairs;
    s.expressions = int(result.expressions.size());
    s.positive_frames = s.negative_frames = 0;
    s.positive_pixels = s.negative_pixels = 0;
    s.j = s.f = SeriesStats{};

    std::vector<VideoResult>& videos = result.videos;
    videos.clear();
    std::unordered_map<std::string, size_t> video_index;
    std::vector<bool> video_incomplete;
    bool any_negative_missing = s.missing_negative_frames > 0;
    for (auto& r : result.expressions) {
        r.positive_pixels = r.negative_pixels = 0;
        for (int64_t p : r.positive_pixels_per_frame) r.positive_pixels += p;
        for (int64_t p : r.negative_pixels_per_frame) r.negative_pixels += p;
        r.j_stats = series_stats(r.j);
        r.f_stats = series_stats(r.f);
        r.r = input.has_pairs && r.missing_negative_frames == 0 ? robustness(r.positive_pixels, r.negative_pixels)
                                                                 : std::nullopt;
        any_negative_missing |= r.missing_negative_frames > 0;

        s.positive_frames += int64_t(r.positive_pixels_per_frame.size());
        s.negative_frames += int64_t(r.negative_pixels_per_frame.size());
        s.positive_pixels += r.positive_pixels;
        s.negative_pixels += r.negative_pixels;
        s.j.mean += r.j_stats.mean, s.j.recall += r.j_stats.recall, s.j.decay += r.j_stats.decay;
        s.f.mean += r.f_stats.mean, s.f.recall += r.f_stats.recall, s.f.decay += r.f_stats.decay;

        auto [it, inserted] = video_index.emplace(r.expression.video, videos.size());
        if (inserted) {
            videos.emplace_back();
            videos.back().video = r.expression.video;
            video_incomplete.push_back(false);
        }
        if (r.missing_negative_frames > 0) video_incomplete[it->second] = true;
        VideoResult& v = videos[it->second];
        v.expressions += 1;
        v.j += r.j_stats.mean;
        v.f += r.f_stats.mean;
        v.positive_pixels += r.positive_pixels;
        v.negative_pixels += r.negative_pixels;
    }
    const double count = s.expressions > 0 ? double(s.expressions) : 1.0;
    for (double* x : {&s.j.mean, &s.j.recall, &s.j.decay, &s.f.mean, &s.f.recall, &s.f.decay}) *x /= count;
    s.jf = (s.j.mean + s.f.mean) / 2;
    s.videos = int(videos.size());
    for (size_t i = 0; i < videos.size(); ++i) {
        VideoResult& v = videos[i];
        v.j /= v.expressions;
        v.f /= v.expressions;
        v.jf = (v.j + v.f) / 2;
        v.r = input.has_pairs && !video_incomplete[i] ? robustness(v.positive_pixels, v.negative_pixels) : std::nullopt;
    }
    // Missing negative frames would count as "nothing segmented" and raise R: not reported.
    s.r = input.has_pairs && !any_negative_missing ? robustness(s.positive_pixels, s.negative_pixels) : std::nullopt;
    s.jfr = (s.has_gt && s.has_pairs) ? jfr(s.j.mean, s.f.mean, s.r) : std::nullopt;
}

}  // namespace r2
