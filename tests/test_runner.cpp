// The neural-model runner: PIL-exact resizing, the shard split, and `r2bench run` on the tiny
// models end to end (resume after kill -9, errors naming the file, shards merged byte for byte).
#include <doctest/doctest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/image_codecs.h"
#include "metrics/alignment.h"
#include "runners/pil_resize.h"
#include "runners/shards.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

Image8 read_rgb(const fs::path& path) {
    const cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR);
    REQUIRE_MESSAGE(!bgr.empty(), path.string());
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    Image8 im;
    im.width = rgb.cols, im.height = rgb.rows;
    im.pixels.assign(rgb.data, rgb.data + rgb.total() * 3);
    return im;
}

int max_difference(const Image8& a, const Image8& b) {
    REQUIRE(a.width == b.width);
    REQUIRE(a.height == b.height);
    int d = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) d = std::max(d, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
    return d;
}

// Recursive byte comparison of two folders; returns the first difference ("" when equal).
std::string compare_trees(const fs::path& a, const fs::path& b, const std::vector<std::string>& ignore) {
    std::vector<std::string> fa, fb;
    for (auto it = fs::recursive_directory_iterator(a); it != fs::recursive_directory_iterator(); ++it)
        fa.push_back(fs::relative(it->path(), a).string());
    for (auto it = fs::recursive_directory_iterator(b); it != fs::recursive_directory_iterator(); ++it)
        fb.push_back(fs::relative(it->path(), b).string());
    auto drop = [&](std::vector<std::string>& v) {
        v.erase(std::remove_if(v.begin(), v.end(), [&](const std::string& f) { return std::find(ignore.begin(), ignore.end(), f) != ignore.end(); }), v.end());
        std::sort(v.begin(), v.end());
    };
    drop(fa), drop(fb);
    if (fa != fb) return fmt::format("different files ({} vs {})", fa.size(), fb.size());
    for (const auto& f : fa)
        if (fs::is_regular_file(a / f) && read_file(a / f) != read_file(b / f)) return f + " differs";
    return "";
}

}  // namespace

TEST_CASE("PIL's bilinear Resize is reproduced exactly on the fixture frames (odd sizes, up and down)") {
    const fs::path dir = fs::path(R2BENCH_FIXTURES) / "resize";
    const auto cases = nlohmann::json::parse(read_file(dir / "cases.json"))["cases"];
    REQUIRE(cases.size() >= 5);
    for (const auto& c : cases) {
        const std::string name = c["name"];
        CAPTURE(name);
        // r2bench's JPEG decoder (core/image_codecs.h) gives PIL's pixels: libjpeg-turbo, islow DCT, fancy upsampling.
        const Image8 decoded = read_jpeg_rgb(dir / (name + ".jpg"));
        CHECK(max_difference(decoded, read_rgb(dir / (name + "_decoded.png"))) == 0);
        const auto size = torchvision_resize_size(decoded.width, decoded.height, c["resize"]);
        CHECK(size[0] == c["out_width"]);
        CHECK(size[1] == c["out_height"]);
        const Image8 resized = pil_resize_bilinear(decoded, size[0], size[1]);
        const int diff = max_difference(resized, read_rgb(dir / (name + "_resized.png")));
        CHECK(diff <= 1);  // the bound; PIL's arithmetic is reproduced, so 0 is expected
        CHECK(diff == 0);
    }
}

TEST_CASE("PIL resize: OpenCV's INTER_LINEAR is not what the official scripts use (downscaling differs)") {
    const fs::path dir = fs::path(R2BENCH_FIXTURES) / "resize";
    const Image8 in = read_rgb(dir / "case0.jpg");  // 97x61 → 36x23
    const Image8 pil = pil_resize_bilinear(in, 36, 23);
    cv::Mat src(in.height, in.width, CV_8UC3, const_cast<uint8_t*>(in.pixels.data())), dst;
    cv::resize(src, dst, cv::Size(36, 23), 0, 0, cv::INTER_LINEAR);
    Image8 cv_out = pil;
    cv_out.pixels.assign(dst.data, dst.data + dst.total() * 3);
    CHECK(max_difference(pil, cv_out) > 1);
}

TEST_CASE("torchvision's Resize size: shorter side, truncated longer side, identity") {
    CHECK(torchvision_resize_size(640, 360, 360) == std::array<int, 2>{640, 360});
    CHECK(torchvision_resize_size(64, 64, 360) == std::array<int, 2>{360, 360});
    CHECK(torchvision_resize_size(320, 240, 360) == std::array<int, 2>{480, 360});
    CHECK(torchvision_resize_size(61, 97, 40) == std::array<int, 2>{40, 63});  // int(40 * 97 / 61) = int(63.6)
    CHECK(torchvision_resize_size(1280, 720, 360, 600) == std::array<int, 2>{600, 337});
}

TEST_CASE("--shard i/n: parsing, and a deterministic split balanced by frames") {
    CHECK(parse_shard("2/4").index == 2);
    CHECK(parse_shard("2/4").count == 4);
    CHECK_THROWS_WITH_AS(parse_shard("4/4"), doctest::Contains("0 to n-1"), r2::Error);
    CHECK_THROWS_AS(parse_shard("1"), r2::Error);
    CHECK_THROWS_AS(parse_shard("-1/2"), r2::Error);
    // Videos a (2 expressions, 10 + 10 frames each), b (1 expr, 6 + 6), c (1, 4 + 4), d (1, 3 + 3).
    std::vector<R2Pair> pairs;
    auto add = [&](const std::string& v, const std::string& e, size_t pos, size_t neg) {
        R2Pair p;
        p.positive_video = v, p.exp_id = e, p.negative_video = "n" + v;
        p.positive_frames.assign(pos, "f"), p.negative_frames.assign(neg, "f");
        pairs.push_back(p);
    };
    add("a", "0", 10, 10), add("b", "0", 6, 6), add("a", "1", 10, 10), add("c", "0", 4, 4), add("d", "0", 3, 3);
    // Loads: a 40, b 12, c 8, d 6. Two shards: a → 0; b → 1; c → 1 (12 < 40); d → 1 (20 < 40).
    CHECK(assign_shards(pairs, 2) == std::vector<int>{0, 1, 0, 1, 1});
    CHECK(shard_pairs(pairs, {1, 2}) == std::vector<size_t>{1, 3, 4});
    // Three shards: a → 0, b → 1, c → 2, d → 2 (8 < 12).
    CHECK(assign_shards(pairs, 3) == std::vector<int>{0, 1, 0, 2, 2});
    CHECK(assign_shards(pairs, 1) == std::vector<int>(5, 0));
    // More shards than videos: the extra shards are empty, never an error.
    CHECK(shard_pairs(pairs, {5, 6}).empty());
}

namespace {
// A tiny synth set and its pairs in `dir`; false when this r2bench has no libtorch (no neural run).
bool neural_runner_available() {
    std::string out;
    run_command(fmt::format("{} run --help", R2BENCH_BINARY), &out);
    return out.find("--synthetic-weights") != std::string::npos && test::models_executable_beside(R2BENCH_BINARY);
}

void tiny_set(const TempDir& dir) {
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --seed 0 --out {}", R2BENCH_BINARY, (dir / "synth").string())) == 0);
    REQUIRE(run_command(fmt::format("{} --quiet build-dataset --source {} --seed 0 --out {}", R2BENCH_BINARY,
                                    (dir / "synth").string(), (dir / "r2").string())) == 0);
}

std::string run_tiny(const TempDir& dir, const std::string& out, const std::string& extra = "") {
    return fmt::format("{} --quiet run --model r2vos_tiny --synthetic-weights --source {} --pairs {} --out {} {}", R2BENCH_BINARY,
                       (dir / "synth").string(), (dir / "r2/r2_pairs.json").string(), (dir / out).string(), extra);
}
}  // namespace

TEST_CASE("run r2vos_tiny: kill -9 mid-run, then --resume gives the uninterrupted run's bytes") {
    if (!neural_runner_available()) return;
    TempDir dir;
    tiny_set(dir);
    REQUIRE(run_command(run_tiny(dir, "whole")) == 0);
    const auto scores = nlohmann::json::parse(read_file(dir / "whole/scores.json"));
    CHECK(scores["synthetic_weights"] == true);
    CHECK(scores["pairs"].size() == 9);
    const auto run = nlohmann::json::parse(read_file(dir / "whole/run.json"));
    CHECK(run["frames"] == 72);
    CHECK(run["clip_frames"] == 12);  // 6 videos encoded once each (as positive and as negative)
    // Killed once two expression folders are complete (polling the temporary folder).
    const std::string script = fmt::format(
        "cd {}\n({}) &\nP=$!\nfor i in $(seq 1500); do\n"
        "  n=$(find .killed.r2bench-tmp-*/Annotations -mindepth 2 -maxdepth 2 -type d -not -name '.*' 2>/dev/null | wc -l)\n"
        "  [ \"$n\" -ge 2 ] && break; sleep 0.02\ndone\nkill -9 $P; wait $P; exit 0\n",
        dir.path.string(), run_tiny(dir, "killed"));
    write_file_atomically(dir / "kill.sh", script);
    REQUIRE(run_command("bash " + (dir / "kill.sh").string()) == 0);
    CHECK(!fs::exists(dir / "killed"));
    REQUIRE(run_command(run_tiny(dir, "killed", "--resume")) == 0);
    const auto resumed = nlohmann::json::parse(read_file(dir / "killed/run.json"));
    CHECK(resumed["resumed_sides"].get<int>() >= 2);
    CHECK(compare_trees(dir / "whole", dir / "killed", {"run.json"}) == "");
    CHECK(!fs::exists(dir / ".killed.r2bench-partial"));
}

TEST_CASE("run: a missing or corrupt frame is named, complete folders are kept for --resume") {
    if (!neural_runner_available()) return;
    TempDir dir;
    tiny_set(dir);
    const auto pairs = nlohmann::json::parse(read_file(dir / "r2/r2_pairs.json"))["pairs"];
    const std::string last_video = pairs.back()["positive_video"];
    const fs::path frame = dir / "synth/valid/JPEGImages" / last_video / "00005.jpg";
    const std::string jpeg = read_file(frame);
    write_file_atomically(frame, "not a JPEG");
    std::string out;
    CHECK(run_command(run_tiny(dir, "sub"), &out) == 2);
    CHECK(out.find(frame.string()) != std::string::npos);
    CHECK(out.find("cannot decode") != std::string::npos);
    CHECK(!fs::exists(dir / "sub"));
    CHECK(fs::exists(dir / ".sub.r2bench-partial/Annotations"));
    fs::remove(frame);
    CHECK(run_command(run_tiny(dir, "sub", "--resume"), &out) == 2);
    CHECK(out.find("missing frame") != std::string::npos);
    write_file_atomically(frame, jpeg);
    REQUIRE(run_command(run_tiny(dir, "sub", "--resume")) == 0);
    REQUIRE(run_command(run_tiny(dir, "whole")) == 0);
    CHECK(compare_trees(dir / "whole", dir / "sub", {"run.json"}) == "");
    // No weights (nor bundled ones) and no --synthetic-weights: the registry's message names the file it looked for.
    CHECK(run_command(fmt::format("R2BENCH_TINY_WEIGHTS={} {} --quiet run --model r2vos_tiny --weights-dir {} --source {} --pairs {} --out {}",
                                  (dir / "none").string(), R2BENCH_BINARY, (dir / "none").string(), (dir / "synth").string(),
                                  (dir / "r2/r2_pairs.json").string(), (dir / "x").string()),
                      &out) == 2);
    CHECK(out.find((dir / "none/r2vos_tiny.safetensors").string()) != std::string::npos);
    CHECK(out.find("the bundled weights are missing (scripts/train_tiny.sh makes them") != std::string::npos);
    CHECK(out.find("To run it anyway") == std::string::npos);  // said once, by the registry
}

TEST_CASE("run: a sentence longer than the tiny text encoder's 66 positions is cut (keeping </s>), not an index error") {
    if (!neural_runner_available()) return;
    TempDir dir;
    tiny_set(dir);
    auto pairs = nlohmann::ordered_json::parse(read_file(dir / "r2/r2_pairs.json"));
    // 100 bytes: 102 byte-level tokens with <s> and </s>, past the 64 the position table holds.
    pairs["pairs"][0]["expression"] = std::string("a very long referring expression about the small object ") + std::string(44, 'x');
    REQUIRE(pairs["pairs"][0]["expression"].get<std::string>().size() == 100);
    write_file_atomically(dir / "r2/r2_pairs.json", pairs.dump(2));
    std::string out;
    REQUIRE(run_command(run_tiny(dir, "sub"), &out) == 0);
    const auto scores = nlohmann::json::parse(read_file(dir / "sub/scores.json"));
    CHECK(scores["pairs"].size() == 9);
}

TEST_CASE("run mttr_tiny: the third family through the same runner — MTTR has no pair head, so it never rejects") {
    if (!neural_runner_available()) return;
    TempDir dir;
    tiny_set(dir);
    REQUIRE(run_command(fmt::format("{} --quiet run --model mttr_tiny --synthetic-weights --source {} --pairs {} --out {}", R2BENCH_BINARY,
                                    (dir / "synth").string(), (dir / "r2/r2_pairs.json").string(), (dir / "sub").string())) == 0);
    const auto scores = nlohmann::json::parse(read_file(dir / "sub/scores.json"));
    REQUIRE(scores["pairs"].size() == 9);
    for (const auto& pair : scores["pairs"]) {
        for (const char* side : {"positive", "negative"}) {
            CAPTURE(side);
            CHECK(pair[side]["rejected"] == false);
            const double a = pair[side]["alignment"].get<double>();
            CHECK(a >= 0.0);
            CHECK(a <= 1.0);
            CHECK(pair[side]["best_query"].get<int>() < 50);
        }
    }
    const auto run = nlohmann::json::parse(read_file(dir / "sub/run.json"));
    CHECK(run["config"]["family"] == "mttr");
    CHECK(run["config"]["preprocessing"]["resize_rule"] == "DETR RandomResize(max_size)");
    // The submission is complete: every pair has its masks on both sides.
    std::string out;
    CHECK(run_command(fmt::format("{} --quiet eval --source {} --pairs {} --pred {} --out {}", R2BENCH_BINARY, (dir / "synth").string(),
                                  (dir / "r2/r2_pairs.json").string(), (dir / "sub").string(), (dir / "eval").string()),
                      &out) == 0);
}

TEST_CASE("bench run: prints the model-only and end-to-end frames/s that run.json records, and their ratio") {
    if (!neural_runner_available()) return;
    TempDir dir;
    std::string out;
    REQUIRE(run_command(fmt::format("{} --quiet --threads 1 bench run --preset tiny --keep {}", R2BENCH_BINARY, (dir / "kept").string()),
                        &out) == 0);
    const auto run = nlohmann::json::parse(read_file(dir / "kept/tiny/run/run.json"));
    CHECK(run["frames"] == 72);
    CHECK(run["threads"] == 1);
    CHECK(run["synthetic_weights"] == true);
    const double model = run["model_frames_per_second"], end_to_end = run["end_to_end_frames_per_second"];
    CHECK(out.find(fmt::format("model {:7.2f} frames/s, end to end {:7.2f} frames/s ({:5.1f} %", model, end_to_end,
                               100 * end_to_end / model)) != std::string::npos);
    CHECK(out.find("goal") != std::string::npos);
}

TEST_CASE("run --shard i/n then merge: the single-process submission, byte for byte — bad shard sets refused") {
    if (!neural_runner_available()) return;
    TempDir dir;
    tiny_set(dir);
    REQUIRE(run_command(run_tiny(dir, "whole")) == 0);
    REQUIRE(run_command(run_tiny(dir, "s0", "--shard 0/2")) == 0);
    REQUIRE(run_command(run_tiny(dir, "s1", "--shard 1/2")) == 0);
    const auto merge = [&](const std::string& shards, std::string* out = nullptr) {
        return run_command(fmt::format("cd {} && {} merge {} --pairs r2/r2_pairs.json --out merged", dir.path.string(), R2BENCH_BINARY, shards), out);
    };
    std::string out;
    CHECK(merge("s0", &out) == 2);
    CHECK(out.find("shards 1 of 2 are missing") != std::string::npos);
    CHECK(merge("s0 s0 s1", &out) == 2);
    CHECK(out.find("given twice") != std::string::npos);
    REQUIRE(merge("s1 s0") == 0);
    CHECK(compare_trees(dir / "whole", dir / "merged", {"run.json"}) == "");
    const auto run = nlohmann::json::parse(read_file(dir / "merged/run.json"));
    CHECK(run["frames"] == 72);
    CHECK(run["merged_shards"].size() == 2);
}

TEST_CASE("AUROC of A is the Mann-Whitney statistic, ties counting one half — accuracy at 0.5") {
    // Positives {0.9, 0.6, 0.4}, negatives {0.6, 0.2}: pairs (p > n) = (0.9>0.6, 0.9>0.2, 0.6>0.2, 0.4>0.2) = 4,
    // one tie (0.6 = 0.6) = 0.5, one loss (0.4 < 0.6): U = 4.5 over 3·2 = 6 → 0.75.
    CHECK(*auroc({0.9, 0.6, 0.4}, {0.6, 0.2}) == doctest::Approx(0.75));
    CHECK(*auroc({1.0}, {0.0}) == 1.0);
    CHECK(*auroc({0.3, 0.3}, {0.3}) == 0.5);  // all tied
    CHECK(*auroc({0.1}, {0.2, 0.3}) == 0.0);
    CHECK(!auroc({}, {0.5}));
    // Called positive iff A > 0.5: right are 0.9, 0.6 (positives) and 0.2 (negative; 0.6 is wrong): 3 of 5.
    CHECK(*alignment_accuracy({0.9, 0.6, 0.4}, {0.6, 0.2}) == doctest::Approx(0.6));
    CHECK(*alignment_accuracy({0.5}, {0.5}) == doctest::Approx(0.5));  // 0.5 is a rejection, as R2-VOS' p_neg ≥ 0.5
}

TEST_CASE("R per referred category sums the pixels of the category's expressions") {
    EvalResult result;
    auto add = [&](const std::string& video, const std::string& obj, int64_t pos, int64_t neg) {
        ExpressionResult e;
        e.expression.video = video, e.expression.obj_id = obj;
        e.positive_pixels = pos, e.negative_pixels = neg;
        result.expressions.push_back(e);
    };
    add("a", "1", 100, 10), add("a", "2", 50, 0), add("b", "1", 300, 90), add("c", "1", 0, 5);
    const std::map<std::pair<std::string, std::string>, std::string> cat = {{{"a", "1"}, "dog"}, {{"a", "2"}, "cat"}, {{"b", "1"}, "dog"}};
    const auto r = robustness_by_category(result, cat);
    REQUIRE(r.size() == 3);
    CHECK(r[0].category == "(unknown)");
    CHECK(!r[0].r);  // 0 positive pixels, 5 negative: undefined
    CHECK(r[1].category == "cat");
    CHECK(*r[1].r == 1.0);
    CHECK(r[2].category == "dog");
    CHECK(r[2].expressions == 2);
    CHECK(*r[2].r == doctest::Approx(1.0 - 100.0 / 400.0));
}
