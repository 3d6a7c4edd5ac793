#include "cli/bench_eval.h"
#include "cli/bench_util.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/pairs.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/ytvos_meta.h"
#include "metrics/bitmask.h"
#include "metrics/evaluation.h"
#include "metrics/frame_metrics.h"

namespace r2::cli {
namespace fs = std::filesystem;

namespace {

constexpr int kWidth = 854, kHeight = 480;

struct Ellipse {
    double cx, cy, ax, ay, angle, vx, vy;
};

void draw(LabelMap& map, const Ellipse& e, double t, double grow, uint8_t id) {
    cv::Mat mat(map.height, map.width, CV_8U, map.labels.data());
    cv::ellipse(mat, cv::Point(int(e.cx + e.vx * t), int(e.cy + e.vy * t)),
                cv::Size(int(e.ax * grow), int(e.ay * grow)), e.angle + 3 * t, 0, 360, cv::Scalar(id), cv::FILLED);
}

// Flips pixels inside the object's bounding region at random: the worst case for boundaries.
void add_noise(LabelMap& map, uint8_t id, Rng& rng, double flip) {
    for (auto& v : map.labels)
        if ((v == id || v == 0) && rng.chance(flip)) v = v == id ? 0 : id;
}

struct BenchTree {
    fs::path gt, pred, pairs;
    std::vector<fs::path> all_pngs;  // everything a full evaluation decodes
    int64_t positive_frames = 0, negative_frames = 0;
};

// Writes a ground-truth tree, a prediction tree (positives and negatives) and r2_pairs.json.
BenchTree make_tree(const fs::path& root, bool noisy, const BenchEvalOptions& o) {
    BenchTree tree{root / "gt", root / "pred", root / "r2_pairs.json", {}, 0, 0};
    Rng rng(noisy ? 2 : 1);
    MetaExpressions meta;
    R2Pairs pairs;
    std::vector<std::vector<std::string>> video_frames(size_t(o.videos));
    for (int v = 0; v < o.videos; ++v)
        for (int t = 0; t < o.frames; ++t) video_frames[size_t(v)].push_back(fmt::format("{:05d}", 5 * t));

    for (int v = 0; v < o.videos; ++v) {
        const std::string video = fmt::format("video{:03d}", v);
        const std::string negative = fmt::format("video{:03d}", (v + 1) % o.videos);
        const auto& frames = video_frames[size_t(v)];
        std::vector<Ellipse> objects;
        for (int k = 0; k < 2; ++k)
            objects.push_back({rng.uniform(200, 650), rng.uniform(150, 330), rng.uniform(60, 140), rng.uniform(40, 110),
                               rng.uniform(0, 180), rng.uniform(-3, 3), rng.uniform(-2, 2)});
        ExpressionVideo ev{video, {}, frames};
        for (int e = 0; e < o.expressions_per_video; ++e) {
            const std::string obj = std::to_string(1 + e % 2);
            ev.expressions.push_back({std::to_string(e), fmt::format("object {} of {}", obj, video), obj});
            pairs.pairs.push_back({video, std::to_string(e), ev.expressions.back().text, obj, negative, frames,
                                   video_frames[size_t((v + 1) % o.videos)]});
        }
        meta.videos.push_back(ev);

        for (int t = 0; t < o.frames; ++t) {
            LabelMap gt(kWidth, kHeight);
            for (int k = 0; k < 2; ++k) draw(gt, objects[size_t(k)], t, 1.0, uint8_t(k + 1));
            if (noisy) add_noise(gt, 1, rng, 0.3), add_noise(gt, 2, rng, 0.3);
            const fs::path gt_png = tree.gt / "Annotations" / video / (frames[size_t(t)] + ".png");
            write_palette_png(gt_png, gt);
            tree.all_pngs.push_back(gt_png);
            for (int e = 0; e < o.expressions_per_video; ++e) {
                // A good but imperfect prediction: the object a little larger and shifted.
                const int k = e % 2;
                Ellipse shifted = objects[size_t(k)];
                shifted.cx += rng.uniform(-6, 6), shifted.cy += rng.uniform(-6, 6);
                LabelMap pred(kWidth, kHeight);
                draw(pred, shifted, t, rng.uniform(0.9, 1.1), 1);
                if (noisy) add_noise(pred, 1, rng, 0.3);
                const fs::path pred_png = tree.pred / "Annotations" / video / std::to_string(e) / (frames[size_t(t)] + ".png");
                write_palette_png(pred_png, pred);
                tree.all_pngs.push_back(pred_png);
                ++tree.positive_frames;
                // On the negative video: a small false positive in every other frame.
                LabelMap neg(kWidth, kHeight);
                if (t % 2 == 0) draw(neg, {400, 240, 30, 20, 0, 0, 0}, t, 1.0, 1);
                if (noisy) add_noise(neg, 1, rng, 0.05);
                const fs::path neg_png = tree.pred / "Negatives" / negative / std::to_string(e) /
                                         (video_frames[size_t((v + 1) % o.videos)][size_t(t)] + ".png");
                write_palette_png(neg_png, neg);
                tree.all_pngs.push_back(neg_png);
                ++tree.negative_frames;
            }
        }
    }
    write_meta_expressions(tree.gt / "meta_expressions.json", meta);
    write_r2_pairs(tree.pairs, pairs);
    return tree;
}

// Runs davis2017-evaluation's db_eval_iou + db_eval_boundary over the listed masks on one core.
std::optional<double> python_seconds(const fs::path& list, const std::string& davis_repo) {
    const std::string script = std::string(R2BENCH_SOURCE_DIR) + "/scripts/bench_davis_python.py";
    const std::string command = fmt::format("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 '{}' --davis-repo '{}' --list '{}'",
                                            script, davis_repo, list.string());
    std::string output;
    if (run_command_output(command, output) != 0) {
        fmt::print(stderr, "python DAVIS timing failed:\n{}\n", output);
        return std::nullopt;
    }
    const auto json = nlohmann::json::parse(output.substr(output.find('{')));
    return json.at("seconds").get<double>();
}

}  // namespace

int run_bench_eval(const BenchEvalOptions& o) {
    const fs::path root = o.keep_dir.empty() ? fs::temp_directory_path() / fmt::format("r2bench-bench-eval-{}", ::getpid())
                                             : fs::path(o.keep_dir);
    fs::create_directories(root);
    const int original_threads = thread_count();
    fmt::print("bench eval: {} videos x {} frames x {} expressions, {}x{} masks, best of {} runs\n", o.videos, o.frames,
               o.expressions_per_video, kWidth, kHeight, o.repeats);
    for (bool noisy : {false, true}) {
        const char* name = noisy ? "noisy (worst case)" : "smooth";
        const BenchTree tree = make_tree(root / (noisy ? "noisy" : "smooth"), noisy, o);
        const double frames = double(tree.positive_frames + tree.negative_frames);

        // (a) decoding alone: every PNG a full evaluation reads, once.
        const double decode = best_seconds(o.repeats, [&] {
            for (const auto& png : tree.all_pngs) read_label_png(png);
        });

        // (b) J + F arithmetic alone, on binary masks made beforehand (the Python baseline, too,
        // is timed on `gt == obj_id` and `pred > 0` arrays computed before its clock starts).
        struct Case { BitMask gt, pred; };
        std::vector<Case> cases;
        const MetaExpressions meta = read_meta_expressions(tree.gt / "meta_expressions.json");
        std::string list;
        for (const auto& video : meta.videos)
            for (const auto& e : video.expressions)
                for (const auto& frame : video.frames) {
                    const fs::path gt_png = tree.gt / "Annotations" / video.name / (frame + ".png");
                    const fs::path pred_png = tree.pred / "Annotations" / video.name / e.id / (frame + ".png");
                    cases.push_back({mask_of_label(read_label_png(gt_png), uint8_t(std::stoi(e.obj_id))),
                                     mask_of_foreground(read_prediction_png(pred_png))});
                    list += fmt::format("{} {} {}\n", gt_png.string(), e.obj_id, pred_png.string());
                }
        double checksum = 0;
        const double arithmetic = best_seconds(o.repeats, [&] {
            for (const auto& c : cases) checksum += jaccard(c.gt, c.pred) + boundary_f(c.gt, c.pred).f;
        });

        // (c) the full evaluation, as `r2bench eval` runs it.
        EvalPaths paths;
        paths.predictions = tree.pred;
        paths.gt = tree.gt;
        paths.pairs = tree.pairs;
        const EvalInput input = load_eval_input(paths);
        Progress::set_quiet(true);
        set_thread_count(1);
        const double full1 = best_seconds(o.repeats, [&] { evaluate(input); });
        set_thread_count(2);
        const double full2 = best_seconds(o.repeats, [&] { evaluate(input); });
        set_thread_count(original_threads);

        fmt::print("\n[{}] {} prediction frames ({} positive, {} negative), {} PNGs decoded per evaluation\n", name,
                   tree.positive_frames + tree.negative_frames, tree.positive_frames, tree.negative_frames,
                   tree.all_pngs.size());
        fmt::print("  (a) PNG decoding alone        1 thread : {:9.1f} frames/s\n", frames / decode);
        fmt::print("  (b) J+F arithmetic alone      1 thread : {:9.1f} frames/s  (positive frames, binary masks; checksum {:.6f})\n",
                   double(cases.size()) / arithmetic, checksum / o.repeats);
        fmt::print("  (c) full evaluation           1 thread : {:9.1f} frames/s\n", frames / full1);
        fmt::print("  (c) full evaluation           2 threads: {:9.1f} frames/s\n", frames / full2);
        fmt::print("  ratio c/a (1 thread)                   : {:9.2f}   goal <= 1.5\n", full1 / decode);
        fmt::print("  scaling c(2 threads)/c(1 thread)       : {:9.2f}x  goal ~2\n", full1 / full2);
        if (!o.davis_repo.empty()) {
            const fs::path list_file = root / (noisy ? "noisy_list.txt" : "smooth_list.txt");
            write_file_atomically(list_file, list);
            if (const auto py = python_seconds(list_file, o.davis_repo)) {
                fmt::print("  DAVIS Python J+F (db_eval_iou + db_eval_boundary), 1 core: {:9.1f} frames/s\n",
                           double(cases.size()) / *py);
                fmt::print("  ratio (b) vs DAVIS Python                                  : {:9.1f}x  goal >= 50\n",
                           *py / arithmetic);
            }
        }
    }
    if (o.keep_dir.empty()) fs::remove_all(root);
    return 0;
}

}  // namespace r2::cli
