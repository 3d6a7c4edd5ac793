#include "runners/train_validation.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "metrics/alignment.h"
#include "runners/model_input.h"
#include "runners/model_runner.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

// `count` expressions spread evenly over `n` (all of them when count >= n), in pairs-file order.
std::vector<size_t> spread_evenly(size_t n, size_t count) {
    std::vector<size_t> chosen;
    const size_t k = std::min(n, count);
    for (size_t i = 0; i < k; ++i) chosen.push_back(i * n / k);
    return chosen;
}

ValidationSet::Video read_video(const ValidationOptions& o, const std::string& video, const std::vector<std::string>& frames,
                                const Preprocessing& pre) {
    std::vector<fs::path> jpegs;
    for (const auto& f : frames) jpegs.push_back(frame_path(o.source, o.split, video, f));
    ModelFrames read = read_model_frames(jpegs, pre);
    return {torch::stack(read.frames), read.width, read.height};
}

// Feeds one side's masks (T, H, W) to the evaluator, frame by frame.
void score_side(R2Evaluator& evaluator, size_t expression, Side side, const SegmentResult& result,
                const std::vector<BitMask>* ground_truth) {
    const torch::Tensor masks = result.masks.to(torch::kUInt8).contiguous();
    const int height = int(masks.size(1)), width = int(masks.size(2));
    for (int64_t t = 0; t < masks.size(0); ++t) {
        LabelMap labels(width, height);
        std::memcpy(labels.labels.data(), masks[t].data_ptr<uint8_t>(), labels.labels.size());
        const BitMask prediction = mask_of_foreground(labels);
        evaluator.process({expression, side, size_t(t)}, ground_truth ? &(*ground_truth)[size_t(t)] : nullptr, &prediction);
    }
}

double standard_deviation(const std::vector<double>& values, double& mean) {
    mean = 0;
    for (double v : values) mean += v;
    mean /= double(std::max<size_t>(1, values.size()));
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    return std::sqrt(squares / double(std::max<size_t>(1, values.size())));
}

}  // namespace

ValidationSet open_validation_set(const ValidationOptions& o, const Preprocessing& pre) {
    if (o.expressions < 1) throw Error(fmt::format("--val-expressions: must be ≥ 1, not {}", o.expressions));
    if (o.every < 1) throw Error(fmt::format("--val-every: must be ≥ 1, not {}", o.every));
    const BenchSet bench = load_bench_set(o.source, o.split, o.pairs);
    ValidationSet set;
    for (size_t i : spread_evenly(bench.expressions.size(), size_t(o.expressions))) {
        const EvalExpression& e = bench.expressions[i];
        if (e.negative_in_pool)
            throw FileError(o.pairs, fmt::format("expression '{}' of video '{}' has its negative video in a negative pool; "
                                                 "validate on pairs built without --negative-pool",
                                                 e.exp_id, e.video));
        std::vector<BitMask> objects;
        for (const auto& frame : e.frames)
            objects.push_back(mask_of_label(read_label_png(bench.gt_annotations / e.video / (frame + ".png")),
                                            uint8_t(std::stoi(e.obj_id))));
        set.ground_truth.push_back(std::move(objects));
        for (const auto& [video, frames] : {std::pair{e.video, e.frames}, std::pair{e.negative_video, e.negative_frames}})
            if (!set.videos.count(video)) set.videos.emplace(video, read_video(o, video, frames, pre));
        set.expressions.push_back(e);
    }
    return set;
}

ValidationScores validate(SegmentationModel& model, const ValidationSet& set, const torch::Device& device) {
    torch::NoGradGuard no_grad;
    const size_t n = set.expressions.size();
    R2Evaluator evaluator(set.expressions, /*has_gt=*/true, /*has_pairs=*/true);
    std::vector<double> positive(n), negative(n);
    ValidationScores scores;
    // Each video is encoded once and decoded for every sentence that uses it, as `run` does.
    for (const auto& [name, video] : set.videos) {
        const auto clip = model.encode_clip(video.frames.to(device));
        for (size_t i = 0; i < n; ++i) {
            const EvalExpression& e = set.expressions[i];
            if (e.video == name) {
                const SegmentResult r = model.segment(*clip, e.text, video.height, video.width);
                score_side(evaluator, i, Side::positive, r, &set.ground_truth[i]);
                positive[i] = r.alignment;
                scores.rejected_positive += r.rejected;
            }
            if (e.negative_video == name) {
                const SegmentResult r = model.segment(*clip, e.text, video.height, video.width);
                score_side(evaluator, i, Side::negative, r, nullptr);
                negative[i] = r.alignment;
                scores.rejected_negative += r.rejected;
            }
        }
    }
    const EvalResult result = evaluator.evaluate();
    scores.expressions = int64_t(n);
    scores.j = result.summary.j.mean, scores.f = result.summary.f.mean, scores.jf = result.summary.jf;
    scores.r = result.summary.r, scores.jfr = result.summary.jfr;
    scores.auroc = auroc(positive, negative);
    std::vector<double> all = positive;
    all.insert(all.end(), negative.begin(), negative.end());
    scores.alignment_std = standard_deviation(all, scores.alignment_mean);
    return scores;
}

}  // namespace r2
