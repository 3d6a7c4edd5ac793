#include "runners/baseline.h"

#include <algorithm>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/image_codecs.h"
#include "core/mask_png.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/dataset_layout.h"
#include "core/mevis.h"

namespace r2 {
namespace fs = std::filesystem;

const std::vector<std::string>& baseline_models() {
    static const std::vector<std::string> models = {"oracle", "noisy-oracle", "empty"};
    return models;
}

namespace {

// 0/255 grayscale, as the official ReferFormer / R2-VOS / MTTR inference scripts save masks.
void write_mask(const fs::path& path, const cv::Mat& mask) {
    write_file_atomically(path, encode_png({mask.data, mask.cols, mask.rows, mask.step, PixelOrder::gray}));
}

cv::Mat perturb(const cv::Mat& object, Rng& rng) {
    cv::Mat out = object.clone();
    if (rng.chance(0.05)) return cv::Mat::zeros(object.size(), CV_8U);  // the model lost the object
    const int radius = int(rng.between(0, 3));
    if (radius > 0) {
        const cv::Mat disk = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
        if (rng.chance(0.5)) cv::dilate(out, out, disk);
        else cv::erode(out, out, disk);
    }
    const double dx = double(rng.between(-4, 4)), dy = double(rng.between(-4, 4));
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
    cv::warpAffine(out, out, shift, out.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
    return out;
}

}  // namespace

void write_mask_png(const fs::path& path, const uint8_t* pixels, int width, int height) {
    write_mask(path, cv::Mat(height, width, CV_8U, const_cast<uint8_t*>(pixels)));
}

namespace {

cv::Size jpeg_size(const fs::path& path) {
    const Image8 image = read_jpeg_rgb(path);  // FileError names the frame when it cannot be read
    return cv::Size(image.width, image.height);
}

LabelMap mevis_truth(const BenchSet& input, const BenchExpression& ex, size_t t) {
    std::optional<LabelMap> truth = mevis_union_mask(*input.mevis_masks, ex.anno_ids, t,
                                                     fmt::format("mask_dict.json, video '{}' frame {}", ex.video, ex.frames[t]));
    if (truth) return *truth;
    const cv::Size size = jpeg_size(frames_folder(input.gt_root, SourceFormat::mevis, input.gt_split) / ex.video / (ex.frames[t] + ".jpg"));
    return LabelMap(size.width, size.height);
}

}  // namespace

BaselineReport run_baseline(const fs::path& gt, const std::string& split, const fs::path& pairs, const fs::path& out,
                  const BaselineOptions& options) {
    if (std::find(baseline_models().begin(), baseline_models().end(), options.model) == baseline_models().end())
        throw Error(fmt::format("unknown model '{}' (oracle, noisy-oracle, empty)", options.model));
    // The same reader as eval's, so the oracle writes exactly the frames eval will ask for.
    const BenchSet input = load_bench_set(gt, split, pairs);
    const PngLimits limits;
    fs::create_directories(out / "Annotations");

    // The progress line counts masks, as the summary line does.
    BaselineReport report;
    report.expressions = int64_t(input.expressions.size());
    for (const auto& ex : input.expressions) {
        report.positive_masks += int64_t(ex.frames.size());
        report.negative_masks += int64_t(ex.negative_frames.size());
    }
    Progress progress("writing masks", size_t(report.positive_masks + report.negative_masks));
    tbb::parallel_for(size_t(0), input.expressions.size(), [&](size_t e) {
        const BenchExpression& ex = input.expressions[e];
        Rng rng = Rng::for_stream(options.seed, e);
        const bool mevis = input.mevis_masks != nullptr;
        const uint8_t object = mevis ? uint8_t(1) : uint8_t(std::stoi(ex.obj_id));
        cv::Size size;
        for (size_t t = 0; t < ex.frames.size(); ++t) {
            const std::string& frame = ex.frames[t];
            // MeViS: the union of the expression's objects (1), or the frame's size where none is there.
            const LabelMap labels =
                mevis ? mevis_truth(input, ex, t) : read_label_png(input.gt_annotations / ex.video / (frame + ".png"), limits);
            size = cv::Size(labels.width, labels.height);
            cv::Mat mask(size, CV_8U, cv::Scalar(0));
            if (options.model != "empty") {
                const cv::Mat ids(size, CV_8U, const_cast<uint8_t*>(labels.labels.data()));
                mask = (ids == object);  // 0/255
                if (options.model == "noisy-oracle") mask = perturb(mask, rng);
            }
            write_mask(out / "Annotations" / ex.video / ex.exp_id / (frame + ".png"), mask);
            progress.advance();
        }
        // Negatives: empty, except for a noisy oracle fooled by some expressions.
        const bool fooled = options.model == "noisy-oracle" && rng.chance(options.hallucination_rate);
        const double cx = rng.uniform(0.3, 0.7), cy = rng.uniform(0.3, 0.7), r = rng.uniform(0.05, 0.15);
        for (const auto& frame : ex.negative_frames) {
            cv::Size negative_size = size;
            if (!ex.negative_in_pool && mevis) {
                negative_size = jpeg_size(frames_folder(input.gt_root, SourceFormat::mevis, input.gt_split) / ex.negative_video / (frame + ".jpg"));
            } else if (!ex.negative_in_pool) {
                const auto s = read_png_size(input.gt_annotations / ex.negative_video / (frame + ".png"));
                negative_size = cv::Size(s[0], s[1]);
            }
            cv::Mat mask(negative_size, CV_8U, cv::Scalar(0));
            if (fooled) {
                const int m = std::min(negative_size.width, negative_size.height);
                cv::circle(mask, cv::Point(int(cx * negative_size.width), int(cy * negative_size.height)), int(r * m),
                           cv::Scalar(255), cv::FILLED);
            }
            write_mask(out / "Negatives" / ex.negative_video / ex.exp_id / (frame + ".png"), mask);
            progress.advance();
        }
    });
    progress.finish();
    return report;
}

}  // namespace r2
