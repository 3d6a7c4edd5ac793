#include "cli/bench_eval.h"
#include "cli/bench_util.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#ifdef R2BENCH_HAVE_LIBDEFLATE
#include <libdeflate.h>
#include <zlib.h>
#endif

#include "core/atomic_file.h"
#include "core/data_dir.h"
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
constexpr double kProcessGoal = 1.1;  // whole `r2bench eval` process vs decoding each PNG once, one thread
constexpr double kHelpGoal = 0.05;    // seconds for `r2bench --help`

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
    std::vector<fs::path> gt_pngs, pred_pngs;  // everything a full evaluation decodes, each once
    int64_t positive_frames = 0, negative_frames = 0;
    size_t png_count() const { return gt_pngs.size() + pred_pngs.size(); }
};

// Writes a ground-truth tree, a prediction tree (positives and negatives) and r2_pairs.json.
BenchTree make_tree(const fs::path& root, bool noisy, const BenchEvalOptions& o) {
    BenchTree tree{root / "gt", root / "pred", root / "r2_pairs.json", {}, {}, 0, 0};
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
            tree.gt_pngs.push_back(gt_png);
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
                tree.pred_pngs.push_back(pred_png);
                ++tree.positive_frames;
                // On the negative video: a small false positive in every other frame.
                LabelMap neg(kWidth, kHeight);
                if (t % 2 == 0) draw(neg, {400, 240, 30, 20, 0, 0, 0}, t, 1.0, 1);
                if (noisy) add_noise(neg, 1, rng, 0.05);
                const fs::path neg_png = tree.pred / "Negatives" / negative / std::to_string(e) /
                                         (video_frames[size_t((v + 1) % o.videos)][size_t(t)] + ".png");
                write_palette_png(neg_png, neg);
                tree.pred_pngs.push_back(neg_png);
                ++tree.negative_frames;
            }
        }
    }
    write_meta_expressions(tree.gt / "meta_expressions.json", meta);
    write_r2_pairs(tree.pairs, pairs);
    return tree;
}

#ifdef R2BENCH_HAVE_LIBDEFLATE
// The zlib stream of a PNG (its IDAT chunks joined) and the size it inflates to; nullopt for an
// interlaced PNG (whose size is not one row length times the height).
struct ZlibStream {
    std::string data;
    size_t inflated = 0;
};
std::optional<ZlibStream> png_zlib_stream(const fs::path& png) {
    const std::string bytes = read_file(png);
    auto be32 = [&](size_t at) {
        return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
               uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
    };
    ZlibStream z;
    for (size_t at = 8; at + 8 <= bytes.size();) {
        const uint32_t length = be32(at);
        const std::string type = bytes.substr(at + 4, 4);
        if (at + 12 + length > bytes.size()) break;
        if (type == "IHDR") {
            const uint64_t width = be32(at + 8), height = be32(at + 12);
            const int depth = uint8_t(bytes[at + 16]), colour = uint8_t(bytes[at + 17]), interlace = uint8_t(bytes[at + 20]);
            const int channels = colour == 2 ? 3 : colour == 4 ? 2 : colour == 6 ? 4 : 1;
            if (interlace != 0) return std::nullopt;
            z.inflated = size_t(height * (1 + (width * uint64_t(channels * depth) + 7) / 8));
        } else if (type == "IDAT") {
            z.data.append(bytes, at + 8, length);
        }
        at += 12 + length;
    }
    return z;
}
#endif

// Inflate alone, as PNG decoding does it (zlib), and with libdeflate, on the same streams.
struct InflateTimes {
    double zlib = 0, libdeflate = 0;
};
std::optional<InflateTimes> time_inflate(const std::vector<fs::path>& pngs, int repeats) {
#ifdef R2BENCH_HAVE_LIBDEFLATE
    std::vector<ZlibStream> streams;
    size_t largest = 0;
    for (const auto& png : pngs) {
        auto z = png_zlib_stream(png);
        if (!z) return std::nullopt;
        largest = std::max(largest, z->inflated);
        streams.push_back(std::move(*z));
    }
    std::vector<uint8_t> out(largest);
    InflateTimes t;
    t.zlib = best_seconds(repeats, [&] {
        for (const auto& z : streams) {
            uLongf size = uLongf(out.size());
            if (::uncompress(out.data(), &size, reinterpret_cast<const Bytef*>(z.data.data()), uLong(z.data.size())) != Z_OK ||
                size != z.inflated)
                throw Error("bench eval: zlib could not inflate a benchmark PNG");
        }
    });
    const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(),
                                                                                         libdeflate_free_decompressor);
    if (!d) throw Error("bench eval: libdeflate_alloc_decompressor failed");
    t.libdeflate = best_seconds(repeats, [&] {
        for (const auto& z : streams) {
            size_t size = 0;
            if (libdeflate_zlib_decompress(d.get(), z.data.data(), z.data.size(), out.data(), out.size(), &size) != LIBDEFLATE_SUCCESS ||
                size != z.inflated)
                throw Error("bench eval: libdeflate could not inflate a benchmark PNG");
        }
    });
    return t;
#else
    (void)pngs, (void)repeats;
    return std::nullopt;
#endif
}

// Shared libraries mapped in this process (/proc/self/maps).
size_t mapped_shared_libraries() {
    std::set<std::string> libraries;
    std::ifstream maps("/proc/self/maps");  // its size is 0 to stat: no read_file
    for (std::string line; std::getline(maps, line);) {
        const size_t slash = line.find('/');
        if (slash != std::string::npos && line.find(".so", slash) != std::string::npos) libraries.insert(line.substr(slash));
    }
    return libraries.size();
}

// Runs davis2017-evaluation's db_eval_iou + db_eval_boundary over the listed masks on one core.
std::optional<double> python_seconds(const fs::path& list, const std::string& davis_repo) {
    const std::string script = (data_dir() / "scripts" / "bench_davis_python.py").string();
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
    const size_t startup_libraries = mapped_shared_libraries();  // before anything loads more
    const fs::path root = o.keep_dir.empty() ? fs::temp_directory_path() / fmt::format("r2bench-bench-eval-{}", ::getpid())
                                             : fs::path(o.keep_dir);
    fs::create_directories(root);
    const int original_threads = thread_count();
    fmt::print("bench eval: {} videos x {} frames x {} expressions, {}x{} masks, best of {} runs\n", o.videos, o.frames,
               o.expressions_per_video, kWidth, kHeight, o.repeats);
    // This process is r2bench itself: time its start-up (`--help`), and later its whole `eval`.
    const fs::path self = fs::read_symlink("/proc/self/exe");
    double help = 1e300;
    for (int r = 0; r < std::max(5, o.repeats); ++r) help = std::min(help, process_seconds({self.string(), "--help"}));
    fmt::print("`r2bench --help` (start-up alone)        : {:7.3f} s   goal < {} s ({})\n", help, kHelpGoal,
               help < kHelpGoal ? "met" : "NOT met");
    if (help >= kHelpGoal)  // most of a start-up is the dynamic loader's work, which grows with the libraries
        fmt::print("    where it goes: the dynamic loader maps {} shared libraries at start-up (see `ldd {}`; "
                   "`LD_DEBUG=statistics` times it)\n",
                   startup_libraries, self.string());
    for (bool noisy : {false, true}) {
        const char* name = noisy ? "noisy (worst case)" : "smooth";
        const BenchTree tree = make_tree(root / (noisy ? "noisy" : "smooth"), noisy, o);
        const double frames = double(tree.positive_frames + tree.negative_frames);

        // (a) decoding alone: every PNG a full evaluation reads, once, with the standard decoder
        // (libpng, which inflates with zlib) -- the yardstick of the d/a goal.
        const double decode = best_seconds(o.repeats, [&] {
            for (const auto& png : tree.gt_pngs)
                detail::decode_label_png(read_file(png), png.string(), {}, detail::PngDecoder::libpng_only);
            for (const auto& png : tree.pred_pngs)
                detail::decode_prediction_png(read_file(png), png.string(), {}, detail::PngDecoder::libpng_only);
        });
        // (a') the same with r2bench's own decoder (libdeflate fast path, libpng fallback), as eval runs it.
        const double own_decode = best_seconds(o.repeats, [&] {
            for (const auto& png : tree.gt_pngs) read_label_png(png);
            for (const auto& png : tree.pred_pngs) read_prediction_png(png);
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

        // (d) the whole `r2bench eval` process on one thread: start-up, reading the inputs, the
        // evaluation and writing summary.json, the CSVs and per_frame.h5.
        const std::vector<std::string> eval_command = {self.string(), "--threads", "1", "--quiet", "eval", "--pred", tree.pred.string(),
                                                       "--gt", tree.gt.string(), "--pairs", tree.pairs.string(), "--out",
                                                       (root / (noisy ? "noisy_eval" : "smooth_eval")).string()};
        double process = 1e300;
        for (int r = 0; r < o.repeats; ++r) process = std::min(process, process_seconds(eval_command));
        std::vector<fs::path> all_pngs = tree.gt_pngs;
        all_pngs.insert(all_pngs.end(), tree.pred_pngs.begin(), tree.pred_pngs.end());
        const auto inflate = time_inflate(all_pngs, o.repeats);

        fmt::print("\n[{}] {} prediction frames ({} positive, {} negative), {} PNGs decoded per evaluation\n", name,
                   tree.positive_frames + tree.negative_frames, tree.positive_frames, tree.negative_frames,
                   tree.png_count());
        fmt::print("  (a) PNG decoding, libpng/zlib 1 thread : {:9.1f} frames/s\n", frames / decode);
        fmt::print("  (a') PNG decoding, r2bench's  1 thread : {:9.1f} frames/s  (libdeflate; {:.2f}x faster than a)\n",
                   frames / own_decode, decode / own_decode);
        fmt::print("  (b) J+F arithmetic alone      1 thread : {:9.1f} frames/s  (positive frames, binary masks; checksum {:.6f})\n",
                   double(cases.size()) / arithmetic, checksum / o.repeats);
        fmt::print("  (c) full evaluation           1 thread : {:9.1f} frames/s\n", frames / full1);
        fmt::print("  (c) full evaluation           2 threads: {:9.1f} frames/s\n", frames / full2);
        fmt::print("  ratio c/a (1 thread)                   : {:9.2f}   goal <= 1.5\n", full1 / decode);
        fmt::print("  scaling c(2 threads)/c(1 thread)       : {:9.2f}x  goal ~2\n", full1 / full2);
        fmt::print("  (d) whole `r2bench eval` process  1 thread : {:7.3f} s against {:.3f} s to decode each PNG once with libpng/zlib (a)\n", process,
                   decode);
        const bool met = process <= kProcessGoal * decode;
        fmt::print("  ratio d/a (1 thread)                   : {:9.2f}   goal <= {} ({})\n", process / decode, kProcessGoal,
                   met ? "met" : "NOT met");
        if (!met) {
            // Where the time goes: start-up (as `--help`), the evaluation itself (c), and the rest
            // (reading the metadata and pairs, writing summary.json, the CSVs and per_frame.h5).
            fmt::print("    where d goes: start-up {:.3f} s + PNG decoding (a') {:.3f} s + the rest of the evaluation (J, F, R, masks) "
                       "{:.3f} s + reading the inputs' metadata and writing the outputs {:.3f} s\n",
                       help, own_decode, std::max(0.0, full1 - own_decode), std::max(0.0, process - help - full1));
        }
        if (inflate)
            fmt::print("  zlib inflate alone (as libpng)         : {:7.3f} s = {:.0f} % of (a); libdeflate on the same streams {:.3f} s "
                       "({:.1f}x faster)\n",
                       inflate->zlib, 100 * inflate->zlib / decode, inflate->libdeflate, inflate->zlib / inflate->libdeflate);
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
