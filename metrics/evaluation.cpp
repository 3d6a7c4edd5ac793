#include "metrics/evaluation.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/progress.h"
#include "core/wording.h"
#include "core/mevis.h"
#include "metrics/bitmask.h"
#include "metrics/frame_metrics.h"

namespace r2 {
namespace fs = std::filesystem;

EvalInput load_eval_input(const EvalPaths& paths) {
    if (!fs::is_directory(paths.predictions)) throw FileError(paths.predictions, "prediction folder not found");
    EvalInput input;
    static_cast<BenchSet&>(input) = load_bench_set(paths.gt, paths.split, paths.pairs);
    if (!fs::is_directory(paths.predictions / "Annotations")) {
        // MeViS' inference writes <video>/<exp_id>/<frame>.png at the top of its folder.
        if (!input.mevis_masks || input.has_pairs)
            throw FileError(paths.predictions, "has no Annotations/ folder (expected Annotations/<video>/<exp_id>/<frame>.png)");
        input.positives = paths.predictions;
    }
    input.predictions = paths.predictions;
    input.allow_missing = paths.allow_missing;
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
// The evaluator

R2Evaluator::R2Evaluator(std::vector<EvalExpression> expressions, bool has_gt, bool has_pairs, double bound_th)
    : expressions_(std::move(expressions)), has_gt_(has_gt), has_pairs_(has_pairs), bound_th_(bound_th) {
    reset();
}

void R2Evaluator::reset() {
    const size_t n = expressions_.size();
    frames_.assign(n, {});
    positive_.assign(n, {});
    negative_.assign(n, {});
    for (size_t e = 0; e < n; ++e) {
        const EvalExpression& ex = expressions_[e];
        ExpressionResult& r = frames_[e];
        if (has_gt_) r.j.assign(ex.frames.size(), 0.0), r.f.assign(ex.frames.size(), 0.0);
        r.positive_pixels_per_frame.assign(ex.frames.size(), 0);
        positive_[e].assign(ex.frames.size(), kUnseen);
        if (has_pairs_) {
            r.negative_pixels_per_frame.assign(ex.negative_frames.size(), 0);
            negative_[e].assign(ex.negative_frames.size(), kUnseen);
        }
    }
}

void R2Evaluator::process(const FrameKey& key, const BitMask* ground_truth, const BitMask* prediction) {
    const bool positive = key.side == Side::positive;
    if (key.expression >= expressions_.size() || (!positive && !has_pairs_))
        throw Error(fmt::format("evaluator: no {} frames of expression {}", positive ? "positive" : "negative", key.expression));
    std::vector<State>& states = positive ? positive_[key.expression] : negative_[key.expression];
    if (key.frame >= states.size()) throw Error(fmt::format("evaluator: expression {} has no frame {}", key.expression, key.frame));
    const bool with_gt = positive && has_gt_;
    if (with_gt && !ground_truth) throw Error("evaluator: a positive frame needs its ground truth to compute J and F");

    // A missing prediction is an empty mask of the ground truth's size (of no size without it).
    const BitMask empty = with_gt && !prediction ? BitMask(ground_truth->width, ground_truth->height) : BitMask();
    const BitMask& pred = prediction ? *prediction : empty;
    if (with_gt && (pred.width != ground_truth->width || pred.height != ground_truth->height))
        throw Error(fmt::format("size {}x{} differs from the ground truth's {}x{}", pred.width, pred.height,
                                ground_truth->width, ground_truth->height));

    ExpressionResult& r = frames_[key.expression];
    const int64_t pixels = prediction ? count(pred) : 0;
    if (positive) {
        r.positive_pixels_per_frame[key.frame] = pixels;
        if (with_gt) {
            r.j[key.frame] = jaccard(*ground_truth, pred);
            r.f[key.frame] = boundary_f(*ground_truth, pred, bound_th_).f;
        }
    } else {
        r.negative_pixels_per_frame[key.frame] = pixels;
    }
    states[key.frame] = prediction ? kScored : kMissing;
}

namespace {

// The reduction, in input order: per expression, per video (in order of first appearance) and
// over the data set. Missing negative frames would count as "nothing segmented" and raise R, so
// R is not reported wherever one is missing.
void reduce(EvalResult& result, bool has_gt, bool has_pairs) {
    EvalSummary& s = result.summary;
    s.has_gt = has_gt;
    s.has_pairs = has_pairs;
    s.expressions = int(result.expressions.size());

    std::vector<VideoResult>& videos = result.videos;
    std::unordered_map<std::string, size_t> video_index;
    std::vector<bool> video_incomplete;
    for (auto& r : result.expressions) {
        for (int64_t p : r.positive_pixels_per_frame) r.positive_pixels += p;
        for (int64_t p : r.negative_pixels_per_frame) r.negative_pixels += p;
        r.j_stats = series_stats(r.j);
        r.f_stats = series_stats(r.f);
        r.r = has_pairs && r.missing_negative_frames == 0 ? robustness(r.positive_pixels, r.negative_pixels) : std::nullopt;

        s.positive_frames += int64_t(r.positive_pixels_per_frame.size());
        s.negative_frames += int64_t(r.negative_pixels_per_frame.size());
        s.missing_positive_frames += r.missing_frames - r.missing_negative_frames;
        s.missing_negative_frames += r.missing_negative_frames;
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
        v.r = has_pairs && !video_incomplete[i] ? robustness(v.positive_pixels, v.negative_pixels) : std::nullopt;
    }
    s.r = has_pairs && s.missing_negative_frames == 0 ? robustness(s.positive_pixels, s.negative_pixels) : std::nullopt;
    s.jfr = (has_gt && has_pairs) ? jfr(s.j.mean, s.f.mean, s.r) : std::nullopt;
}

}  // namespace

EvalResult R2Evaluator::evaluate() const {
    EvalResult result;
    result.expressions = frames_;
    for (size_t e = 0; e < expressions_.size(); ++e) {
        ExpressionResult& r = result.expressions[e];
        r.expression = expressions_[e];
        for (const auto* states : {&positive_[e], &negative_[e]})
            for (size_t t = 0; t < states->size(); ++t) {
                const bool negative = states == &negative_[e];
                if ((*states)[t] == kUnseen)
                    throw Error(fmt::format("evaluator: frame {} of {} {}/{} was not processed",
                                            negative ? r.expression.negative_frames[t] : r.expression.frames[t],
                                            negative ? "negative video" : "video",
                                            negative ? r.expression.negative_video : r.expression.video, r.expression.exp_id));
                if ((*states)[t] == kMissing) ++r.missing_frames, r.missing_negative_frames += negative;
            }
    }
    reduce(result, has_gt_, has_pairs_);
    if (!has_gt_) result.notes.push_back(kNoGroundTruthNote);
    if (!has_pairs_) result.notes.push_back("no pairs given (--pairs): R and J&F&R were not computed");
    if (has_pairs_ && result.summary.missing_negative_frames > 0)
        result.notes.push_back(fmt::format(
            "{} missing: R and J&F&R are not reported (a missing negative frame is not \"nothing segmented\"), "
            "nor R of the videos and expressions concerned",
            plural(result.summary.missing_negative_frames, "negative prediction")));
    return result;
}

// ---------------------------------------------------------------------------------------------
// The driver: from the prediction tree to the evaluator

EvalResult evaluate(const EvalInput& input) {
    const bool has_gt = input.has_gt();
    const bool mevis = input.mevis_masks != nullptr;
    const fs::path positives_root = input.positives.empty() ? input.predictions / "Annotations" : input.positives;
    const fs::path negatives_root = input.predictions / "Negatives";

    std::vector<std::string> problems, notes;
    {
        int64_t missing_positive = 0, missing_negative = 0;  // counted again, per frame, by the evaluator
        ExpectedTree positive_tree, negative_tree;
        for (const auto& e : input.expressions) {
            positive_tree[e.video][e.exp_id].insert(e.frames.begin(), e.frames.end());
            if (input.has_pairs) negative_tree[e.negative_video][e.exp_id].insert(e.negative_frames.begin(), e.negative_frames.end());
        }
        check_tree(positives_root, "Annotations", positive_tree, input.allow_missing, problems, missing_positive);
        if (input.has_pairs)
            check_tree(negatives_root, "Negatives", negative_tree, input.allow_missing, problems, missing_negative);
        else if (fs::is_directory(negatives_root))
            notes.push_back("Negatives/ was found but no --pairs was given: R was not computed");
    }
    if (!problems.empty()) throw EvalInputError(problems);

    const size_t n = input.expressions.size();
    R2Evaluator evaluator(input.expressions, has_gt, input.has_pairs, input.bound_th);
    // Sizes of the predictions read (0x0: missing), for the size check without ground truth.
    std::vector<std::vector<Size>> positive_sizes(n), negative_sizes(n);
    for (size_t e = 0; e < n; ++e) {
        positive_sizes[e].assign(input.expressions[e].frames.size(), {});
        if (input.has_pairs) negative_sizes[e].assign(input.expressions[e].negative_frames.size(), {});
    }

    const std::vector<FrameUnit> positive_units = group_by_frame(input.expressions, false);
    const std::vector<FrameUnit> negative_units =
        input.has_pairs ? group_by_frame(input.expressions, true) : std::vector<FrameUnit>{};
    const size_t total_units = positive_units.size() + negative_units.size();
    std::vector<std::vector<std::string>> unit_problems(total_units);

    // Counted in expression frames (positive + negative), the numbers the summary prints.
    size_t total_frames = 0;
    for (const auto& units : {&positive_units, &negative_units})
        for (const auto& unit : *units) total_frames += unit.uses.size();
    Progress progress("evaluating frames", total_frames);
    // One unit is one frame of one video with every expression that needs it, so the ground
    // truth is read (and each object's mask made) once per frame.
    tbb::parallel_for(size_t(0), total_units, [&](size_t u) {
        const bool positive = u < positive_units.size();
        const FrameUnit& unit = positive ? positive_units[u] : negative_units[u - positive_units.size()];
        const fs::path& root = positive ? positives_root : negatives_root;
        std::vector<std::string>& out_problems = unit_problems[u];
        try {
            LabelMap gt;
            std::optional<Size> reference;  // the ground truth's size, where there is one
            const fs::path gt_png = input.gt_annotations / unit.video / (unit.frame + ".png");
            if (positive && has_gt && !mevis) {
                gt = read_label_png(gt_png, input.limits);
                reference = Size{gt.width, gt.height};
            } else if (!positive && has_gt && !mevis && !input.expressions[unit.uses.front().first].negative_in_pool) {
                const auto size = read_png_size(gt_png);
                reference = Size{size[0], size[1]};
            }
            std::map<std::string, BitMask> gt_objects;  // one mask per object id (MeViS: anno_id set) used in this frame
            for (const auto& [e, t] : unit.uses) {
                const EvalExpression& ex = input.expressions[e];
                const fs::path path = root / unit.video / ex.exp_id / (unit.frame + ".png");
                try {
                    const BitMask* object = nullptr;
                    std::optional<Size> expected = reference;
                    if (positive && mevis) {
                        // tools/eval_mevis.py: the union of the expression's objects in this frame;
                        // where all are absent, an empty mask of the prediction's size.
                        std::string key;
                        for (const auto& id : ex.anno_ids) key += id + ',';
                        auto it = gt_objects.find(key);
                        if (it == gt_objects.end()) {
                            const std::optional<LabelMap> truth = mevis_union_mask(
                                *input.mevis_masks, ex.anno_ids, t, fmt::format("mask_dict.json, video '{}' frame {}", ex.video, unit.frame));
                            if (truth) it = gt_objects.emplace(key, mask_of_foreground(*truth)).first;
                        }
                        if (it != gt_objects.end()) object = &it->second, expected = Size{object->width, object->height};
                    } else if (positive && has_gt) {
                        auto it = gt_objects.find(ex.obj_id);
                        if (it == gt_objects.end())
                            it = gt_objects.emplace(ex.obj_id, mask_of_label(gt, uint8_t(std::stoi(ex.obj_id)))).first;
                        object = &it->second;
                    }
                    // A missing file is allowed by now (check_tree would have refused it). Where the
                    // size is known, a prediction of another size is refused from its header,
                    // before it is decoded (a small file can claim 8192x8192x64 bits).
                    PngLimits limits = input.limits;
                    if (expected) limits.expected_width = expected->width, limits.expected_height = expected->height;
                    std::optional<BitMask> pred;
                    if (fs::exists(path)) pred = mask_of_foreground(read_prediction_png(path, limits));
                    if (pred) (positive ? positive_sizes : negative_sizes)[e][t] = Size{pred->width, pred->height};
                    BitMask absent;  // MeViS: every object absent in this frame
                    if (positive && mevis && !object) {
                        if (!pred) throw Error("missing prediction, and no object of the expression is in this frame: size unknown");
                        absent = BitMask(pred->width, pred->height);
                        object = &absent;
                    } else if (!positive && reference && pred && Size{pred->width, pred->height} != *reference) {
                        // A negative video with ground truth: its frames' size is known too.
                        out_problems.push_back(fmt::format("{}: size {}x{} differs from the ground truth's {}x{}",
                                                           path.string(), pred->width, pred->height, reference->width,
                                                           reference->height));
                        continue;
                    }
                    evaluator.process({e, positive ? Side::positive : Side::negative, t}, object, pred ? &*pred : nullptr);
                } catch (const FileError& error) {
                    out_problems.push_back(error.what());
                } catch (const Error& error) {  // the evaluator's size check
                    out_problems.push_back(fmt::format("{}: {}", path.string(), error.what()));
                }
            }
        } catch (const FileError& error) {  // the ground-truth frame itself
            out_problems.push_back(error.what());
        }
        progress.advance(unit.uses.size());
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

    EvalResult result = evaluator.evaluate();
    result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
    return result;
}

}  // namespace r2
