#include "runners/model_runner.h"

#include "core/dataset_layout.h"

#include <sys/resource.h>

#include <chrono>
#include <exception>
#include <cstring>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/json_file.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "runners/baseline.h"
#include "runners/bounded_queue.h"
#include "runners/model_input.h"
#include "runners/pil_resize.h"
#include "runners/run_state.h"
#include "runners/segmentation_model.h"
#include "model_zoo/safetensors.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

// One sentence on one video: a pair's positive side (on its own video) or negative side.
struct Job {
    size_t pair = 0;
    bool negative = false;
};

// One video, encoded once for all the jobs that use it.
struct VideoTask {
    std::string video;
    bool in_pool = false;
    std::vector<std::string> frames;
    std::vector<Job> jobs;
};

struct ClipInput {
    const VideoTask* task = nullptr;
    std::vector<torch::Tensor> windows;  // (t, 3, h, w) normalised, on the CPU
    int64_t height = 0, width = 0;       // original frame size
};

struct JobOutput {
    Job job;
    torch::Tensor masks;  // (T, H, W) uint8 0/1
    ojson scores;
};

struct ClipOutput {
    const VideoTask* task = nullptr;
    std::vector<JobOutput> jobs;
};

std::vector<VideoTask> plan_videos(const std::vector<R2Pair>& pairs, const std::vector<size_t>& selected, const fs::path& sub,
                                   const fs::path& pairs_file) {
    std::vector<VideoTask> tasks;
    std::map<std::string, size_t> index;
    auto add = [&](const std::string& video, bool pool, const std::vector<std::string>& frames, Job job) {
        const auto [it, added] = index.emplace(video, tasks.size());
        if (added) tasks.push_back({video, pool, frames, {}});
        VideoTask& t = tasks[it->second];
        if (t.frames != frames)
            throw FileError(pairs_file, fmt::format("video '{}' is listed with different frames by different pairs", video));
        t.jobs.push_back(job);
    };
    for (const size_t i : selected) {
        const R2Pair& p = pairs[i];
        if (!side_complete(sub, p, false)) add(p.positive_video, false, p.positive_frames, {i, false});
        if (!side_complete(sub, p, true)) add(p.negative_video, p.negative_source == "pool", p.negative_frames, {i, true});
    }
    tasks.erase(std::remove_if(tasks.begin(), tasks.end(), [](const VideoTask& t) { return t.jobs.empty(); }), tasks.end());
    return tasks;
}

}  // namespace

fs::path frame_path(const fs::path& root, const std::string& split, const std::string& video, const std::string& frame) {
    // The layout knowledge is core/dataset_layout's: Ref-YouTube-VOS and MeViS keep frames in
    // <root>/<split>/JPEGImages (or a split folder's JPEGImages), Ref-DAVIS17 in DAVIS/JPEGImages/480p.
    const std::optional<SourceFormat> format = detect_source_format(root);
    const fs::path dir = frames_folder(root, format.value_or(SourceFormat::ref_youtube_vos), split);
    if (!fs::is_directory(dir))
        throw FileError(root, fmt::format("no frames: looked for {} ({} layout; the layouts are recognised by {})", dir.string(),
                                          format ? source_format_name(*format) : "no known", source_format_clues()));
    return dir / video / (frame + ".jpg");
}

Image8 read_rgb_jpeg(const fs::path& path) {
    if (!fs::exists(path)) throw FileError(path, "missing frame (listed in the pairs file)");
    return read_jpeg_rgb(path);  // PIL's decode: libjpeg-turbo, accurate IDCT, fancy upsampling, no EXIF rotation
}

// torchvision's ToTensor (x / 255) and Normalize ((x - mean) / std), in float32 as they compute it.
torch::Tensor to_model_input(const Image8& image, const Preprocessing& pre) {
    const auto hwc = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 3}, torch::kUInt8);
    auto chw = hwc.permute({2, 0, 1}).to(torch::kFloat32).div(255);
    const auto mean = torch::tensor({pre.mean[0], pre.mean[1], pre.mean[2]}).view({3, 1, 1});
    const auto std = torch::tensor({pre.std[0], pre.std[1], pre.std[2]}).view({3, 1, 1});
    return chw.sub(mean).div(std).contiguous();
}

void check_run_inputs(const ModelRunOptions& o) {
    const RunnableModel* entry = find_runnable_model(o.model);
    if (!entry) {
        std::string names;
        for (const auto& m : runnable_models()) names += (names.empty() ? "" : ", ") + m.name;
        throw Error(fmt::format("--model: unknown model '{}' (models: {}; weight-free reference models: oracle, noisy-oracle, empty)",
                                o.model, names));
    }
    if (o.device != "cpu" && o.device != "cuda") throw Error(fmt::format("--device {}: cpu or cuda", o.device));
    std::error_code ec;
    if (!fs::is_directory(o.source, ec)) throw FileError(o.source, "--source: not a folder");
    if (!o.negative_pool.empty() && !fs::is_directory(o.negative_pool, ec)) throw FileError(o.negative_pool, "--negative-pool: not a folder");
    const R2Pairs pairs = read_r2_pairs(o.pairs);
    if (pairs.pairs.empty()) throw FileError(o.pairs, "holds no pairs: there is nothing to run");
    fs::path weights;
    try {
        weights = find_weights_file(*entry, o.weights_dir, o.weights_file, o.synthetic_weights);
    } catch (const FileError&) {
        throw;  // --weights names a missing file, or the bundled weights are gone: the message says it all
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " To run it anyway with untrained formula weights (labelled as such in "
                                            "run.json and scores.json), pass --synthetic-weights.");
    }
    check_tokenizer_files(*entry, o.text_dir.empty() ? o.weights_dir / "roberta" : o.text_dir);
    if (weights.empty()) return;
    // The header only (mapped, not read): a damaged file or a training checkpoint is caught here.
    const auto file = SafetensorsFile::open(weights);
    const auto format = file.metadata().find("format");
    if (format != file.metadata().end() && format->second == "r2bench-train-checkpoint")
        throw FileError(weights, fmt::format("is a training checkpoint (weights and optimizer state); run the trained "
                                             "weights beside it: --weights {}",
                                             (weights.parent_path() / (o.model + ".safetensors")).string()));
}

ModelRunReport run_model(const ModelRunOptions& o, OutputDir& out) {
    const fs::path sub = out.path();
    check_run_inputs(o);
    const R2Pairs pairs = read_r2_pairs(o.pairs);
    const std::vector<size_t> selected = shard_pairs(pairs.pairs, o.shard);

    ModelSpec spec;
    spec.name = o.model;
    spec.weights_dir = o.weights_dir;
    spec.weights_file = o.weights_file;
    spec.text_dir = o.text_dir;
    spec.allow_synthetic = o.synthetic_weights;
    spec.device = o.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    LoadedSegmentationModel loaded = load_segmentation_model(spec);
    ModelRunReport report;
    report.pairs = int64_t(selected.size());
    for (const size_t i : selected) {
        report.positive_masks += int64_t(pairs.pairs[i].positive_frames.size());
        report.negative_masks += int64_t(pairs.pairs[i].negative_frames.size());
    }
    report.synthetic = loaded.weights.empty();
    const std::string weights_sha = report.synthetic ? "synthetic" : sha256_file(loaded.weights);
    const RunState state = {{"model", o.model},
                            {"weights_sha256", weights_sha},
                            {"pairs_sha256", sha256_file(o.pairs)},
                            {"window", o.window},
                            {"device", o.device},
                            {"shard", o.shard.str()}};
    write_run_state(sub, state);
    if (o.resume) {
        report.sides_reused += adopt_complete_sides(partial_folder(out.final_path()), sub, pairs.pairs, selected, state);
        if (out.previous()) report.sides_reused += adopt_complete_sides(*out.previous(), sub, pairs.pairs, selected, state);
    }
    const std::vector<VideoTask> tasks = plan_videos(pairs.pairs, selected, sub, o.pairs);
    const Preprocessing pre = loaded.model->preprocessing();
    size_t total_frames = 0;
    for (const auto& t : tasks) total_frames += t.frames.size() * t.jobs.size();

    at::set_num_threads(thread_count());
    const auto pipeline_start = Clock::now();  // end to end: reading, model and writing, not loading
    BoundedQueue<ClipInput> decoded(1);
    BoundedQueue<ClipOutput> segmented(1);
    std::exception_ptr reader_error, writer_error;
    Progress progress(fmt::format("run {}", o.model), total_frames);

    std::thread reader([&] {
        try {
            for (const VideoTask& t : tasks) {
                ClipInput clip;
                clip.task = &t;
                const fs::path root = t.in_pool ? o.negative_pool : o.source;
                if (t.in_pool && root.empty())
                    throw Error(fmt::format("video '{}' comes from the negative pool: pass --negative-pool ROOT (as build-dataset)",
                                            t.video));
                const fs::path first = frame_path(root, o.split, t.video, t.frames.front());
                if (!fs::is_directory(first.parent_path()))
                    throw FileError(first.parent_path(), fmt::format("video '{}' not found (needed by {} of {})", t.video,
                                                                     t.jobs.size() == 1 ? "an expression" : "expressions",
                                                                     o.pairs.string()));
                std::vector<fs::path> jpegs;
                for (const auto& f : t.frames) jpegs.push_back(frame_path(root, o.split, t.video, f));
                ModelFrames read = read_model_frames(jpegs, pre);
                clip.width = read.width, clip.height = read.height;
                const std::vector<torch::Tensor>& frames = read.frames;
                const size_t w = o.window > 0 ? size_t(o.window) : frames.size();
                for (size_t s = 0; s < frames.size(); s += w)
                    clip.windows.push_back(torch::stack(std::vector<torch::Tensor>(
                        frames.begin() + long(s), frames.begin() + long(std::min(frames.size(), s + w)))));
                if (!decoded.push(std::move(clip))) return;
            }
        } catch (...) {
            reader_error = std::current_exception();
        }
        decoded.close();
    });

    std::thread writer([&] {
        try {
            while (auto item = segmented.pop()) {
                for (const JobOutput& j : item->jobs) {
                    const R2Pair& p = pairs.pairs[j.job.pair];
                    const fs::path tmp = expression_temp_folder(sub, p, j.job.negative);
                    std::error_code ec;
                    fs::remove_all(tmp, ec);
                    fs::create_directories(tmp);
                    const auto& frames = item->task->frames;
                    const int64_t h = j.masks.size(1), w = j.masks.size(2);
                    const auto masks255 = (j.masks * 255).contiguous();
                    for (size_t t = 0; t < frames.size(); ++t)
                        write_mask_png(tmp / (frames[t] + ".png"), masks255[long(t)].data_ptr<uint8_t>(), int(w), int(h));
                    complete_side(sub, p, j.job.negative, j.scores);
                    progress.advance(frames.size());
                }
            }
        } catch (...) {
            writer_error = std::current_exception();
            segmented.abort();
            decoded.abort();
        }
    });

    std::exception_ptr model_error;
    try {
        torch::InferenceMode inference;
        while (auto clip = decoded.pop()) {
            const auto t0 = Clock::now();
            ClipOutput result;
            result.task = clip->task;
            std::vector<std::shared_ptr<const SegmentationModel::Clip>> encoded;
            for (const auto& window : clip->windows) encoded.push_back(loaded.model->encode_clip(window.to(spec.device)));
            report.clip_frames += int64_t(clip->task->frames.size());
            for (const Job& job : clip->task->jobs) {
                if (interrupt_signal()) break;  // the expressions done so far are still written and kept
                const R2Pair& p = pairs.pairs[job.pair];
                JobOutput j;
                j.job = job;
                std::vector<torch::Tensor> masks;
                std::vector<double> frame_scores;
                ojson windows = ojson::array();
                double alignment = 0;
                bool all_rejected = true;
                int64_t first = 0, best_query = -1;
                for (size_t w = 0; w < encoded.size(); ++w) {
                    SegmentResult r = loaded.model->segment(*encoded[w], p.expression, clip->height, clip->width);
                    const auto n = r.masks.size(0);
                    masks.push_back(r.masks);
                    frame_scores.insert(frame_scores.end(), r.frame_scores.begin(), r.frame_scores.end());
                    alignment += r.alignment * double(n);  // windows weigh by their frames
                    all_rejected = all_rejected && r.rejected;
                    if (best_query < 0) best_query = r.best_query;
                    windows.push_back({{"first_frame", first}, {"frames", n}, {"best_query", r.best_query},
                                       {"alignment", r.alignment}, {"rejected", r.rejected}});
                    first += n;
                }
                j.masks = masks.size() == 1 ? masks.front() : torch::cat(masks);
                j.scores = {{"video", job.negative ? p.negative_video : p.positive_video},
                            {"best_query", best_query},
                            {"frame_scores", frame_scores},
                            {"alignment", alignment / double(std::max<int64_t>(first, 1))},
                            {"rejected", all_rejected}};
                if (encoded.size() > 1) j.scores["windows"] = std::move(windows);
                report.frames += first;
                ++report.sides_done;
                result.jobs.push_back(std::move(j));
            }
            report.model_seconds += seconds_since(t0);
            if (!segmented.push(std::move(result))) break;
            if (interrupt_signal()) break;
        }
    } catch (...) {
        model_error = std::current_exception();
        decoded.abort();
    }
    segmented.close();
    writer.join();
    decoded.abort();
    reader.join();
    for (const auto& e : {reader_error, model_error, writer_error}) {
        if (!e) continue;
        const int64_t kept = keep_complete_sides(sub, out.final_path(), pairs.pairs, selected);
        if (kept > 0)
            fmt::print(stderr, "r2bench: kept {} complete expression folder(s) in {}; the same command with --resume continues\n",
                       kept, partial_folder(out.final_path()).string());
        std::rethrow_exception(e);
    }
    if (const int signal = interrupt_signal()) {
        progress.finish();
        const int64_t kept = keep_complete_sides(sub, out.final_path(), pairs.pairs, selected);
        throw Interrupted(signal, fmt::format("kept {} complete expression folder(s) of {} in {}; {} is unchanged. The same "
                                              "command with --resume continues",
                                              kept, 2 * selected.size(), partial_folder(out.final_path()).string(),
                                              out.final_path().string()));
    }
    progress.finish();
    report.total_seconds = seconds_since(pipeline_start);

    // scores.json in the pairs file's order (the same bytes however the work was split or resumed).
    const ojson header = {{"schema_version", 1}, {"model", o.model}, {"synthetic_weights", report.synthetic},
                          {"weights_sha256", weights_sha}, {"window", o.window}};
    write_file_atomically(sub / "scores.json", json_text(assemble_scores(sub, pairs.pairs, selected, header)));
    fs::remove_all(sub / kRunStateDir);

    report.peak_rss_mb = peak_rss_mb();
    const ojson run = {
        {"schema_version", 1},
        {"model", o.model},
        {"synthetic_weights", report.synthetic},
        {"weights", report.synthetic ? ojson(nullptr) : ojson{{"file", loaded.weights.string()}, {"sha256", weights_sha}}},
        {"config", loaded.config},
        {"window", o.window},
        {"shard", {{"index", o.shard.index}, {"count", o.shard.count}}},
        {"source", o.source.string()},
        {"split", o.split},
        {"pairs", {{"file", o.pairs.string()}, {"sha256", state["pairs_sha256"]}, {"selected", report.pairs}}},
        {"r2bench_version", o.version},
        {"command", o.command},
        {"device", o.device},
        {"threads", thread_count()},
        {"resumed_sides", report.sides_reused},
        {"frames", report.frames},
        {"clip_frames", report.clip_frames},
        {"model_seconds", report.model_seconds},
        {"end_to_end_seconds", report.total_seconds},
        {"model_frames_per_second", report.model_seconds > 0 ? report.frames / report.model_seconds : 0.0},
        {"end_to_end_frames_per_second", report.total_seconds > 0 ? report.frames / report.total_seconds : 0.0},
        {"peak_rss_mb", report.peak_rss_mb},
        {"resume_key", state}};
    write_file_atomically(sub / "run.json", json_text(run));
    return report;
}

ModelFrames read_model_frames(const std::vector<fs::path>& jpegs, const Preprocessing& pre) {
    ModelFrames out;
    for (const auto& path : jpegs) {
        const Image8 image = read_rgb_jpeg(path);
        if (out.frames.empty()) out.width = image.width, out.height = image.height;
        else if (image.width != out.width || image.height != out.height)
            throw FileError(path, fmt::format("{}x{}, but the video's first frame is {}x{}", image.width, image.height, out.width,
                                              out.height));
        const auto size = pre.detr_max_size ? detr_resize_size(image.width, image.height, int(pre.shorter_side), int(pre.max_longer_side))
                                            : torchvision_resize_size(image.width, image.height, int(pre.shorter_side), int(pre.max_longer_side));
        out.frames.push_back(to_model_input(pil_resize_bilinear(image, size[0], size[1]), pre));
    }
    return out;
}

}  // namespace r2
