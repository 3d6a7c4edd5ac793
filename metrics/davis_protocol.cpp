#include "metrics/davis_protocol.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "metrics/bitmask.h"
#include "metrics/frame_metrics.h"
#include "model_zoo/linear_assignment.h"

namespace r2 {
namespace fs = std::filesystem;

const char* davis_task_name(DavisTask task) {
    return task == DavisTask::unsupervised ? "unsupervised" : "semi-supervised";
}

DavisTask parse_davis_task(const std::string& name) {
    if (name == "unsupervised") return DavisTask::unsupervised;
    if (name == "semi-supervised") return DavisTask::semi_supervised;
    throw Error(fmt::format("unknown DAVIS task '{}' (unsupervised or semi-supervised)", name));
}

fs::path davis_folder(const fs::path& root) {
    std::error_code ec;
    if (fs::is_directory(root / "ImageSets", ec)) return root;
    return root / "DAVIS";
}

std::vector<std::string> davis_sequences(const fs::path& davis_dir, const std::string& set) {
    const fs::path list = davis_dir / "ImageSets/2017" / (set + ".txt");
    std::istringstream in(read_file(list));
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        // The reference strips each line (x.strip()).
        const size_t first = line.find_first_not_of(" \t\r\n"), last = line.find_last_not_of(" \t\r\n");
        names.push_back(first == std::string::npos ? std::string() : line.substr(first, last - first + 1));
    }
    return names;
}

DavisPredictionReader davis_folder_reader(const fs::path& dir, const PngLimits& limits) {
    return [dir, limits](const std::string& video, const std::string& frame) -> std::optional<LabelMap> {
        const fs::path path = dir / video / (frame + ".png");
        if (!fs::exists(path)) return std::nullopt;
        return read_label_png(path, limits);
    };
}

namespace {

std::vector<std::string> sorted_png_stems(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".png") names.push_back(it->path().filename().string());
    if (ec) throw FileError(dir, "cannot list the ground-truth folder: " + ec.message());
    std::sort(names.begin(), names.end());
    // The reference's frame id: the file name without any extension part.
    for (auto& n : names) n = n.substr(0, n.find('.'));
    return names;
}

BitMask and_not(const BitMask& mask, const BitMask& excluded) {
    BitMask out = mask;
    for (size_t i = 0; i < out.bits.size(); ++i) out.bits[i] &= ~excluded.bits[i];
    return out;
}

int max_label(const LabelMap& labels) {
    int m = 0;
    for (uint8_t v : labels.labels) m = std::max<int>(m, v);
    return m;
}

// One video's ground truth as the reference holds it: per frame, each object's mask (void
// removed) and the void mask.
struct VideoTruth {
    std::vector<std::string> frames;               // scored frame ids
    std::vector<std::vector<BitMask>> objects;     // [object][frame]
    std::vector<BitMask> void_pixels;              // [frame]
    int width = 0, height = 0;
};

VideoTruth read_video_truth(const fs::path& annotations, const std::string& video, DavisTask task) {
    const fs::path dir = annotations / video;
    if (!fs::is_directory(dir)) throw FileError(dir, "ground-truth folder of the sequence not found");
    std::vector<std::string> frames = sorted_png_stems(dir);
    if (frames.empty()) throw FileError(dir, "no ground-truth PNGs");
    std::vector<LabelMap> labels(frames.size());
    tbb::parallel_for(size_t(0), frames.size(), [&](size_t t) { labels[t] = read_label_png(dir / (frames[t] + ".png")); });
    VideoTruth truth;
    truth.width = labels[0].width, truth.height = labels[0].height;
    for (size_t t = 0; t < frames.size(); ++t)
        if (labels[t].width != truth.width || labels[t].height != truth.height)
            throw FileError(dir / (frames[t] + ".png"), fmt::format("size {}x{} differs from the first frame's {}x{}", labels[t].width,
                                                                    labels[t].height, truth.width, truth.height));
    std::vector<BitMask> void_pixels(frames.size());
    for (size_t t = 0; t < frames.size(); ++t) {
        void_pixels[t] = mask_of_label(labels[t], 255);
        for (auto& v : labels[t].labels)
            if (v == 255) v = 0;
    }
    const int objects = max_label(labels[0]);  // the objects of the first frame, as davis.py
    size_t first = 0, end = frames.size();
    if (task == DavisTask::semi_supervised) {
        if (frames.size() < 3) throw FileError(dir, "the semi-supervised task scores frames 1..n-2 and needs at least 3 frames");
        first = 1, end = frames.size() - 1;
    }
    truth.frames.assign(frames.begin() + long(first), frames.begin() + long(end));
    truth.void_pixels.assign(void_pixels.begin() + long(first), void_pixels.begin() + long(end));
    truth.objects.assign(size_t(objects), {});
    for (int o = 0; o < objects; ++o)
        for (size_t t = first; t < end; ++t) truth.objects[size_t(o)].push_back(mask_of_label(labels[t], uint8_t(o + 1)));
    return truth;
}

// The prediction masks of ids 1..max over the frames read (results.py read_masks).
std::vector<std::vector<BitMask>> read_video_predictions(const VideoTruth& truth, const std::string& video,
                                                         const DavisPredictionReader& read) {
    std::vector<LabelMap> labels(truth.frames.size());
    for (size_t t = 0; t < truth.frames.size(); ++t) {
        std::optional<LabelMap> l = read(video, truth.frames[t]);
        if (!l) throw Error(fmt::format("{}: prediction of frame {} not found", video, truth.frames[t]));
        if (l->width != truth.width || l->height != truth.height)
            throw Error(fmt::format("{}: prediction of frame {} is {}x{}, the ground truth {}x{}", video, truth.frames[t], l->width,
                                    l->height, truth.width, truth.height));
        labels[t] = std::move(*l);
    }
    int ids = 0;
    for (const auto& l : labels) ids = std::max(ids, max_label(l));
    std::vector<std::vector<BitMask>> masks(static_cast<size_t>(ids));
    for (int id = 1; id <= ids; ++id)
        for (const auto& l : labels) masks[size_t(id - 1)].push_back(mask_of_label(l, uint8_t(id)));
    return masks;
}

struct FrameScores {
    std::vector<double> j, f;
};

FrameScores score_pair(const VideoTruth& truth, size_t object, const std::vector<BitMask>* prediction, bool exclude_void,
                       double bound_th) {
    FrameScores s;
    const size_t n = truth.frames.size();
    s.j.resize(n), s.f.resize(n);
    const BitMask empty(truth.width, truth.height);
    for (size_t t = 0; t < n; ++t) {
        const BitMask& pred = prediction ? (*prediction)[t] : empty;
        const BitMask& gt = truth.objects[object][t];
        if (exclude_void) {
            // J and F over the pixels that are not void: f_measure multiplies both masks by not-void.
            const BitMask g = and_not(gt, truth.void_pixels[t]), p = and_not(pred, truth.void_pixels[t]);
            s.j[t] = jaccard(g, p), s.f[t] = boundary_f(g, p, bound_th).f;
        } else {
            s.j[t] = jaccard(gt, pred), s.f[t] = boundary_f(gt, pred, bound_th).f;
        }
    }
    return s;
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return v.empty() ? 0 : sum / double(v.size());
}

constexpr int kMaxProposals = 20;  // evaluation.py's max_n_proposals

std::vector<DavisObjectResult> evaluate_video(const VideoTruth& truth, const std::string& video,
                                              const std::vector<std::vector<BitMask>>& predictions, DavisTask task,
                                              double bound_th) {
    const int n_gt = int(truth.objects.size()), n_res = int(predictions.size());
    std::vector<DavisObjectResult> out;
    auto add = [&](int index, int gt, int pred, FrameScores s) {
        DavisObjectResult r{video, index, gt + 1, pred < n_res ? pred + 1 : 0, std::move(s.j), std::move(s.f), {}, {}};
        r.j_stats = series_stats(r.j), r.f_stats = series_stats(r.f);
        out.push_back(std::move(r));
    };
    if (task == DavisTask::semi_supervised) {
        if (n_res > n_gt)
            throw Error(fmt::format("{}: the predictions use id {}, but the sequence has {} object(s) (semi-supervised ids are "
                                    "the objects' ids)", video, n_res, n_gt));
        for (int o = 0; o < n_gt; ++o)
            add(o + 1, o, o, score_pair(truth, size_t(o), o < n_res ? &predictions[size_t(o)] : nullptr, false, bound_th));
        return out;
    }
    if (n_res > kMaxProposals)
        throw Error(fmt::format("{}: the predictions use id {}; the unsupervised task allows at most {} ids", video, n_res,
                                kMaxProposals));
    // Rows: predicted ids, padded with empty masks to the number of objects; columns: objects.
    const int rows = std::max(n_res, n_gt);
    std::vector<std::vector<FrameScores>> scores(static_cast<size_t>(rows), std::vector<FrameScores>(static_cast<size_t>(n_gt)));
    tbb::parallel_for(0, rows * n_gt, [&](int k) {
        const int r = k / n_gt, o = k % n_gt;
        scores[size_t(r)][size_t(o)] =
            score_pair(truth, size_t(o), r < n_res ? &predictions[size_t(r)] : nullptr, true, bound_th);
    });
    std::vector<double> cost(size_t(rows) * size_t(n_gt));
    for (int r = 0; r < rows; ++r)
        for (int o = 0; o < n_gt; ++o) {
            const FrameScores& s = scores[size_t(r)][size_t(o)];
            cost[size_t(r) * size_t(n_gt) + size_t(o)] = -(mean(s.j) + mean(s.f)) / 2;
        }
    const Assignment a = linear_sum_assignment(cost, rows, n_gt);
    // The reference keeps the pairs in row (predicted id) order and names them 1, 2, ...
    for (size_t k = 0; k < a.rows.size(); ++k)
        add(int(k) + 1, int(a.cols[k]), int(a.rows[k]), std::move(scores[size_t(a.rows[k])][size_t(a.cols[k])]));
    return out;
}

}  // namespace

DavisResult evaluate_davis(const fs::path& davis_dir, const std::vector<std::string>& videos, DavisTask task,
                           const DavisPredictionReader& read_prediction, double bound_th) {
    const fs::path annotations =
        davis_dir / (task == DavisTask::unsupervised ? "Annotations_unsupervised" : "Annotations") / "480p";
    if (!fs::is_directory(annotations))
        throw FileError(annotations, fmt::format("not found: the {} task's ground truth{}", davis_task_name(task),
                                                 task == DavisTask::unsupervised
                                                     ? " (the DAVIS-2017-Unsupervised-trainval-480p download)"
                                                     : " (the DAVIS-2017-trainval-480p download)"));
    DavisResult result;
    result.task = task;
    for (const std::string& video : videos) {
        const VideoTruth truth = read_video_truth(annotations, video, task);
        const auto predictions = read_video_predictions(truth, video, read_prediction);
        for (auto& r : evaluate_video(truth, video, predictions, task, bound_th)) result.objects.push_back(std::move(r));
        ++result.videos;
    }
    const double n = result.objects.empty() ? 1.0 : double(result.objects.size());
    for (const auto& o : result.objects) {
        result.j.mean += o.j_stats.mean, result.j.recall += o.j_stats.recall, result.j.decay += o.j_stats.decay;
        result.f.mean += o.f_stats.mean, result.f.recall += o.f_stats.recall, result.f.decay += o.f_stats.decay;
    }
    for (double* x : {&result.j.mean, &result.j.recall, &result.j.decay, &result.f.mean, &result.f.recall, &result.f.decay}) *x /= n;
    result.jf = (result.j.mean + result.f.mean) / 2;
    return result;
}

}  // namespace r2
