#include <doctest/doctest.h>

#include "core/atomic_file.h"
#include "core/pairs.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "core/ytvos_meta.h"
#include "metrics/bitmask.h"
#include "metrics/evaluation.h"
#include "metrics/frame_metrics.h"
#include "reports/eval_report.h"
#include "test_util.h"

using namespace r2;
using r2::test::labels_from_rows;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A hand-made R² submission:
//   va (6x4, frames 00000 00005): object 1 a 2x2 square, object 2 one pixel
//   vb (5x5, frame 00000):        object 1 a 3x3 square
//   expressions va/0 → object 1, va/1 → object 2, vb/0 → object 1; pairs va ↔ vb.
struct HandTree {
    fs::path gt, pred, pairs;
};

const std::vector<std::string> kVaGt = {"......", ".11...", ".11...", ".....2"};
const std::vector<std::string> kVbGt = {".....", ".111.", ".111.", ".111.", "....."};

void put(const fs::path& path, const std::vector<std::string>& rows) { write_palette_png(path, labels_from_rows(rows)); }

HandTree make_hand_tree(const TempDir& dir) {
    HandTree t{dir / "gt", dir / "sub", dir / "r2_pairs.json"};
    put(t.gt / "Annotations/va/00000.png", kVaGt);
    put(t.gt / "Annotations/va/00005.png", kVaGt);
    put(t.gt / "Annotations/vb/00000.png", kVbGt);
    MetaExpressions meta;
    meta.videos.push_back({"va", {{"0", "the red square", "1"}, {"1", "the tiny dot", "2"}}, {"00000", "00005"}});
    meta.videos.push_back({"vb", {{"0", "the big square", "1"}}, {"00000"}});
    write_meta_expressions(t.gt / "meta_expressions.json", meta);

    // Positives: va/0 exact then half; va/1 empty; vb/0 exact.
    put(t.pred / "Annotations/va/0/00000.png", {"......", ".11...", ".11...", "......"});
    put(t.pred / "Annotations/va/0/00005.png", {"......", ".1....", ".1....", "......"});
    put(t.pred / "Annotations/va/1/00000.png", {"......", "......", "......", "......"});
    put(t.pred / "Annotations/va/1/00005.png", {"......", "......", "......", "......"});
    put(t.pred / "Annotations/vb/0/00000.png", {".....", ".111.", ".111.", ".111.", "....."});
    // Negatives: va's expressions on vb, vb's expression on va.
    put(t.pred / "Negatives/vb/0/00000.png", {"11...", ".....", ".....", ".....", "....."});
    put(t.pred / "Negatives/vb/1/00000.png", {".....", ".....", ".....", ".....", "....."});
    put(t.pred / "Negatives/va/0/00000.png", {"1.....", "......", "......", "......"});
    put(t.pred / "Negatives/va/0/00005.png", {"......", "......", "......", "......"});

    R2Pairs pairs;
    pairs.pairs.push_back({"va", "0", "the red square", "1", "vb", {"00000", "00005"}, {"00000"}});
    pairs.pairs.push_back({"va", "1", "the tiny dot", "2", "vb", {"00000", "00005"}, {"00000"}});
    pairs.pairs.push_back({"vb", "0", "the big square", "1", "va", {"00000"}, {"00000", "00005"}});
    write_r2_pairs(t.pairs, pairs);
    return t;
}

EvalResult run(const HandTree& t, bool gt, bool pairs, bool allow_missing = false) {
    EvalPaths paths;
    paths.predictions = t.pred;
    if (gt) paths.gt = t.gt;
    if (pairs) paths.pairs = t.pairs;
    paths.allow_missing = allow_missing;
    return evaluate(load_eval_input(paths));
}

std::string problems_of(const HandTree& t, bool allow_missing = false) {
    try {
        run(t, true, true, allow_missing);
    } catch (const EvalInputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("eval: J, F, R and J&F&R of a hand-made submission") {
    TempDir dir;
    const HandTree t = make_hand_tree(dir);
    const EvalResult r = run(t, true, true);
    const EvalSummary& s = r.summary;
    REQUIRE(r.expressions.size() == 3);

    // The one imperfect frame, a 1x2 bar against the 2x2 square: J = 0.5, but at 6x4 the
    // radius is 1 and every boundary pixel of each lies within 1 px of the other's, so F = 1.
    const double f_half = boundary_f(mask_of_label(labels_from_rows(kVaGt), 1),
                                     mask_of_foreground(labels_from_rows({"......", ".1....", ".1....", "......"})))
                              .f;
    CHECK(f_half == 1.0);

    const ExpressionResult& va0 = r.expressions[0];
    CHECK(va0.j == std::vector<double>{1.0, 0.5});
    CHECK(va0.f[0] == 1.0);
    CHECK(va0.f[1] == f_half);
    CHECK(va0.positive_pixels == 6);
    CHECK(va0.negative_pixels == 2);
    CHECK(*va0.r == doctest::Approx(1.0 - 2.0 / 6.0));
    const ExpressionResult& va1 = r.expressions[1];
    CHECK(va1.j_stats.mean == 0.0);
    CHECK(va1.f_stats.mean == 0.0);  // empty prediction of a non-empty object: precision 1, recall 0
    CHECK(*va1.r == 1.0);            // nothing predicted anywhere
    CHECK(*r.expressions[2].r == doctest::Approx(1.0 - 1.0 / 9.0));

    CHECK(s.j.mean == doctest::Approx((0.75 + 0.0 + 1.0) / 3));
    CHECK(s.f.mean == doctest::Approx(((1.0 + f_half) / 2 + 0.0 + 1.0) / 3));
    CHECK(s.jf == doctest::Approx((s.j.mean + s.f.mean) / 2));
    CHECK(s.j.recall == doctest::Approx((0.5 + 0.0 + 1.0) / 3));  // va/0's J of exactly 0.5 is not > 0.5
    CHECK(s.positive_pixels == 15);
    CHECK(s.negative_pixels == 3);
    CHECK(*s.r == doctest::Approx(0.8));
    CHECK(*s.jfr == doctest::Approx((s.j.mean + s.f.mean + 0.8) / 3));
    CHECK(s.videos == 2);
    CHECK(s.positive_frames == 5);
    CHECK(s.negative_frames == 4);

    REQUIRE(r.videos.size() == 2);
    CHECK(r.videos[0].video == "va");
    CHECK(r.videos[0].j == doctest::Approx(0.375));
    CHECK(*r.videos[0].r == doctest::Approx(1.0 - 2.0 / 6.0));
    CHECK(*r.videos[1].r == doctest::Approx(1.0 - 1.0 / 9.0));

    // The report files carry the same numbers.
    write_eval_report(dir / "out", r, load_eval_input({t.pred, t.gt, "valid", t.pairs, false}));
    const auto summary = nlohmann::json::parse(read_file(dir / "out/summary.json"));
    CHECK(summary["metrics"]["R"].get<double>() == doctest::Approx(0.8));
    CHECK(summary["counts"]["expressions"] == 3);
    CHECK(summary["pixels"]["negative"] == 3);
    const std::string csv = read_file(dir / "out/per_expression.csv");
    CHECK(csv.find("va,0,1,vb,2,0.750000,") != std::string::npos);
    CHECK(read_file(dir / "out/per_video.csv").find("vb,1,1.000000,1.000000,1.000000,9,1,0.888889") != std::string::npos);
}

TEST_CASE("eval: R from the prediction trees alone, and J/F without pairs") {
    TempDir dir;
    const HandTree t = make_hand_tree(dir);
    const EvalResult r_only = run(t, false, true);
    CHECK_FALSE(r_only.summary.has_gt);
    CHECK(*r_only.summary.r == doctest::Approx(0.8));
    CHECK_FALSE(r_only.summary.jfr.has_value());
    CHECK(r_only.expressions[0].j.empty());
    CHECK(r_only.notes.at(0).find("J and F were not computed") != std::string::npos);
    const auto json = eval_summary_json(r_only, load_eval_input({t.pred, "", "valid", t.pairs, false}));
    CHECK(json["metrics"]["J"].is_null());

    const EvalResult jf_only = run(t, true, false);
    CHECK_FALSE(jf_only.summary.r.has_value());
    CHECK(jf_only.summary.j.mean == doctest::Approx((0.75 + 0.0 + 1.0) / 3));
    bool noted = false;
    for (const auto& n : jf_only.notes) noted |= n.find("Negatives/ was found") != std::string::npos;
    CHECK(noted);
}

TEST_CASE("eval: every bad input is reported, with nothing scored") {
    SUBCASE("missing frame, and --allow-missing") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        fs::remove(t.pred / "Annotations/va/0/00005.png");
        fs::remove(t.pred / "Negatives/va/0/00000.png");
        const std::string msg = problems_of(t);
        CHECK(msg.find("2 problem(s)") != std::string::npos);
        CHECK(msg.find("Annotations/va/0/00005.png: missing prediction") != std::string::npos);
        CHECK(msg.find("Negatives/va/0/00000.png: missing prediction") != std::string::npos);
        const EvalResult r = run(t, true, true, true);
        CHECK(r.summary.missing_positive_frames == 1);
        CHECK(r.summary.missing_negative_frames == 1);
        CHECK(r.expressions[0].j[1] == 0.0);  // scored as an empty mask
        CHECK(r.expressions[0].missing_frames == 1);
        CHECK(r.expressions[0].missing_negative_frames == 0);
        CHECK(r.summary.negative_pixels == 2);
        // A missing negative frame is not "nothing segmented": R and J&F&R are not reported,
        // nor R of the expression (vb/0) and video (vb) it belongs to; the others keep theirs.
        CHECK_FALSE(r.summary.complete());
        CHECK_FALSE(r.summary.r.has_value());
        CHECK_FALSE(r.summary.jfr.has_value());
        CHECK(r.expressions[2].missing_negative_frames == 1);
        CHECK_FALSE(r.expressions[2].r.has_value());
        CHECK(*r.expressions[0].r == doctest::Approx(1.0 - 2.0 / 4.0));  // va/0: Σ_pos 4 (one frame missing), Σ_neg 2
        REQUIRE(r.videos.size() == 2);
        CHECK(r.videos[0].video == "va");
        CHECK(*r.videos[0].r == doctest::Approx(0.5));
        CHECK_FALSE(r.videos[1].r.has_value());
        bool noted = false;
        for (const auto& n : r.notes) noted |= n.find("1 negative prediction missing: R and J&F&R are not reported") != std::string::npos;
        CHECK(noted);
        const std::string table = eval_table(r);
        CHECK(table.find("INCOMPLETE: 1 positive prediction missing (scored as empty masks), 1 negative prediction "
                         "missing (R and J&F&R not reported)") != std::string::npos);
        const auto summary = eval_summary_json(r, load_eval_input({t.pred, t.gt, "valid", t.pairs, true}));
        CHECK(summary["metrics"]["R"].is_null());
        CHECK(summary["metrics"]["J&F&R"].is_null());
        CHECK(summary["complete"] == false);
        CHECK(summary["counts"]["missing_negative_frames"] == 1);
        CHECK(summary["R_not_reported"].get<std::string>().find("1 negative prediction missing") != std::string::npos);

        // Only a positive frame missing: scored as empty (as DAVIS does), R is reported.
        put(t.pred / "Negatives/va/0/00000.png", {"1.....", "......", "......", "......"});
        const EvalResult p = run(t, true, true, true);
        CHECK(p.summary.missing_positive_frames == 1);
        CHECK(p.summary.missing_negative_frames == 0);
        CHECK_FALSE(p.summary.complete());
        CHECK(p.summary.r.has_value());
        CHECK(p.summary.jfr.has_value());
    }
    SUBCASE("extra frame, unknown video and unknown expression") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        put(t.pred / "Annotations/va/0/00010.png", kVaGt);
        put(t.pred / "Annotations/zz/0/00000.png", kVaGt);
        put(t.pred / "Negatives/vb/7/00000.png", kVbGt);
        write_file_atomically(t.pred / "Annotations/va/1/notes.txt", std::string("x"));
        const std::string msg = problems_of(t);
        CHECK(msg.find("4 problem(s)") != std::string::npos);
        CHECK(msg.find("Annotations/va/0/00010.png: extra file") != std::string::npos);
        CHECK(msg.find("Annotations/va/1/notes.txt: extra file") != std::string::npos);
        CHECK(msg.find("Annotations/zz: unknown video") != std::string::npos);
        CHECK(msg.find("Negatives/vb/7: unknown expression") != std::string::npos);
    }
    SUBCASE("size mismatch and corrupt PNG") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        put(t.pred / "Annotations/vb/0/00000.png", {"....", "....", "...."});
        write_file_atomically(t.pred / "Negatives/va/0/00005.png", std::string("\x89PNG\r\n\x1a\n garbage", 17));
        const std::string msg = problems_of(t);
        CHECK(msg.find("2 problem(s)") != std::string::npos);
        CHECK(msg.find("sub/Annotations/vb/0/00000.png: size 4x3 differs from the ground truth's 5x5") != std::string::npos);
        CHECK(msg.find("Negatives/va/0/00005.png: corrupt PNG") != std::string::npos);
    }
    SUBCASE("size mismatch without ground truth: within one video") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        put(t.pred / "Negatives/va/0/00005.png", {"....", "...."});
        try {
            run(t, false, true);
            FAIL("expected an error");
        } catch (const EvalInputError& e) {
            CHECK(std::string(e.what()).find("Negatives/va/0/00005.png: size 4x2 differs from Annotations/va/0/00000.png (6x4)") !=
                  std::string::npos);
        }
    }
    SUBCASE("pairs that disagree with the ground truth") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        R2Pairs pairs = read_r2_pairs(t.pairs);
        pairs.pairs[2].exp_id = "5";
        pairs.pairs[0].obj_id = "2";
        write_r2_pairs(t.pairs, pairs);
        try {
            load_eval_input({t.pred, t.gt, "valid", t.pairs, false});
            FAIL("expected an error");
        } catch (const EvalInputError& e) {
            const std::string msg = e.what();
            CHECK(msg.find("expression '5' of video 'vb' is not in") != std::string::npos);
            CHECK(msg.find("refers to object 2 but the ground truth says 1") != std::string::npos);
            CHECK(msg.find("ground truth expression '0' of video 'vb' has no pair") != std::string::npos);
        }
    }
    SUBCASE("no ground truth layout, no inputs") {
        TempDir dir;
        const HandTree t = make_hand_tree(dir);
        CHECK_THROWS_WITH_AS(load_eval_input({t.pred, dir / "nowhere", "valid", "", false}),
                             doctest::Contains("not a ground-truth tree of split 'valid'"), FileError);
        CHECK_THROWS_WITH_AS(load_eval_input({t.pred, "", "valid", "", false}), doctest::Contains("nothing to score against"),
                             Error);
        CHECK_THROWS_WITH_AS(load_eval_input({dir / "nope", t.gt, "valid", "", false}),
                             doctest::Contains("prediction folder not found"), FileError);
    }
}

TEST_CASE("eval: results are identical for 1 and 4 threads") {
    TempDir dir;
    // A larger random tree: 6 videos x 9 frames of 97x61, 2 expressions each, pairs in a ring.
    Rng rng(3);
    MetaExpressions meta;
    R2Pairs pairs;
    std::vector<std::string> frames;
    for (int t = 0; t < 9; ++t) frames.push_back(fmt::format("{:05d}", 5 * t));
    for (int v = 0; v < 6; ++v) {
        const std::string video = fmt::format("v{}", v), negative = fmt::format("v{}", (v + 1) % 6);
        meta.videos.push_back({video, {{"0", "a", "1"}, {"1", "b", "2"}}, frames});
        for (const char* e : {"0", "1"}) pairs.pairs.push_back({video, e, "x", "", negative, frames, frames});
        for (const auto& f : frames) {
            LabelMap gt(97, 61);
            for (auto& p : gt.labels) p = rng.chance(0.2) ? uint8_t(rng.between(1, 2)) : 0;
            write_palette_png(dir / "gt/Annotations" / video / (f + ".png"), gt);
            for (const char* e : {"0", "1"}) {
                LabelMap pred(97, 61), neg(97, 61);
                for (auto& p : pred.labels) p = rng.chance(0.15) ? 1 : 0;
                for (auto& p : neg.labels) p = rng.chance(0.03) ? 1 : 0;
                write_palette_png(dir / "sub/Annotations" / video / e / (f + ".png"), pred);
                write_palette_png(dir / "sub/Negatives" / negative / e / (f + ".png"), neg);
            }
        }
    }
    write_meta_expressions(dir / "gt/meta_expressions.json", meta);
    write_r2_pairs(dir / "pairs.json", pairs);
    const EvalInput input = load_eval_input({dir / "sub", dir / "gt", "valid", dir / "pairs.json", false});
    auto render = [&] {
        const EvalResult r = evaluate(input);
        return eval_summary_json(r, input).dump() + per_expression_csv(r) + per_video_csv(r);
    };
    set_thread_count(1);
    const std::string one = render();
    set_thread_count(4);
    const std::string four = render();
    set_thread_count(0);
    CHECK(one == four);
    CHECK(one.find("\"R\":") != std::string::npos);
}

namespace {

BitMask mask(const std::vector<std::string>& rows) { return mask_of_foreground(labels_from_rows(rows)); }

}  // namespace

TEST_CASE("evaluator: in-memory masks, hand-computed J, F and R") {
    // One expression on video v (two 6x4 frames, the object a 2x2 square), paired with video n
    // (one frame). Frame 0 is exact; frame 1 predicts the left half of the square: J = 2/4, and
    // every boundary pixel of each lies within the 1-pixel radius of the other's, so F = 1.
    // Pixels: 4 + 2 on v, 2 on n: R = 1 − 2/6.
    const std::vector<std::string> square = {"......", ".11...", ".11...", "......"};
    R2Evaluator evaluator({{"v", "0", "the square", "1", {"00000", "00005"}, "n", {"00000"}, false}}, true, true);
    const BitMask gt = mask(square);
    const BitMask half = mask({"......", ".1....", ".1....", "......"});
    const BitMask alarm = mask({"11....", "......", "......", "......"});
    auto process_all = [&] {
        evaluator.process({0, Side::positive, 0}, &gt, &gt);
        evaluator.process({0, Side::positive, 1}, &gt, &half);
        evaluator.process({0, Side::negative, 0}, nullptr, &alarm);
    };
    process_all();
    const EvalResult r = evaluator.evaluate();
    REQUIRE(r.expressions.size() == 1);
    const ExpressionResult& e = r.expressions[0];
    CHECK(e.j == std::vector<double>{1.0, 0.5});
    CHECK(e.f == std::vector<double>{1.0, 1.0});
    CHECK(e.positive_pixels_per_frame == std::vector<int64_t>{4, 2});
    CHECK(e.negative_pixels_per_frame == std::vector<int64_t>{2});
    CHECK(e.j_stats.mean == 0.75);
    CHECK(e.j_stats.recall == 0.5);  // J > 0.5 on one frame of two
    CHECK(e.f_stats.mean == 1.0);
    CHECK(*e.r == doctest::Approx(1.0 - 2.0 / 6.0));
    CHECK(r.summary.jf == 0.875);
    CHECK(*r.summary.r == doctest::Approx(2.0 / 3.0));
    CHECK(*r.summary.jfr == doctest::Approx((0.75 + 1.0 + 2.0 / 3.0) / 3));
    CHECK(r.summary.complete());
    REQUIRE(r.videos.size() == 1);
    CHECK(r.videos[0].jf == 0.875);
    CHECK(*r.videos[0].r == doctest::Approx(2.0 / 3.0));
    CHECK(r.notes.empty());

    // A missing prediction: an empty mask on the positive side (J = 0 against the square, F = 0),
    // and R withheld on the negative side.
    evaluator.reset();
    CHECK_THROWS_WITH_AS(evaluator.evaluate(), "evaluator: frame 00000 of video v/0 was not processed", Error);
    evaluator.process({0, Side::positive, 0}, &gt, &gt);
    evaluator.process({0, Side::positive, 1}, &gt, nullptr);
    evaluator.process({0, Side::negative, 0}, nullptr, nullptr);
    const EvalResult m = evaluator.evaluate();
    CHECK(m.expressions[0].j == std::vector<double>{1.0, 0.0});
    CHECK(m.expressions[0].f == std::vector<double>{1.0, 0.0});
    CHECK(m.expressions[0].missing_frames == 2);
    CHECK(m.expressions[0].missing_negative_frames == 1);
    CHECK(m.summary.missing_positive_frames == 1);
    CHECK(m.summary.missing_negative_frames == 1);
    CHECK_FALSE(m.summary.r.has_value());
    CHECK_FALSE(m.videos[0].r.has_value());
    CHECK(m.notes.at(0).find("1 negative prediction missing") != std::string::npos);

    // reset() forgets everything: the first results again, bit for bit.
    evaluator.reset();
    process_all();
    CHECK(per_expression_csv(evaluator.evaluate()) == per_expression_csv(r));

    // A prediction of the wrong size is refused, with both sizes.
    const BitMask small(5, 4);
    CHECK_THROWS_WITH_AS(evaluator.process({0, Side::positive, 0}, &gt, &small),
                         "size 5x4 differs from the ground truth's 6x4", Error);
}

TEST_CASE("evaluator: the file driver and a direct in-memory evaluation agree") {
    TempDir dir;
    const HandTree t = make_hand_tree(dir);
    for (bool allow_missing : {false, true}) {
        if (allow_missing) fs::remove(t.pred / "Negatives/va/0/00005.png"), fs::remove(t.pred / "Annotations/va/1/00000.png");
        const EvalInput input = load_eval_input({t.pred, t.gt, "valid", t.pairs, allow_missing});
        const EvalResult driven = evaluate(input);

        // The same masks, decoded here and handed over in memory.
        R2Evaluator evaluator(input.expressions, true, true);
        for (size_t e = 0; e < input.expressions.size(); ++e) {
            const EvalExpression& x = input.expressions[e];
            for (size_t f = 0; f < x.frames.size(); ++f) {
                const BitMask gt = mask_of_label(read_label_png(t.gt / "Annotations" / x.video / (x.frames[f] + ".png")),
                                                 uint8_t(std::stoi(x.obj_id)));
                const fs::path png = t.pred / "Annotations" / x.video / x.exp_id / (x.frames[f] + ".png");
                const std::optional<BitMask> pred =
                    fs::exists(png) ? std::optional<BitMask>(mask_of_foreground(read_prediction_png(png))) : std::nullopt;
                evaluator.process({e, Side::positive, f}, &gt, pred ? &*pred : nullptr);
            }
            for (size_t f = 0; f < x.negative_frames.size(); ++f) {
                const fs::path png = t.pred / "Negatives" / x.negative_video / x.exp_id / (x.negative_frames[f] + ".png");
                const std::optional<BitMask> pred =
                    fs::exists(png) ? std::optional<BitMask>(mask_of_foreground(read_prediction_png(png))) : std::nullopt;
                evaluator.process({e, Side::negative, f}, nullptr, pred ? &*pred : nullptr);
            }
        }
        const EvalResult direct = evaluator.evaluate();
        CHECK(eval_summary_json(direct, input) == eval_summary_json(driven, input));
        CHECK(per_expression_csv(direct) == per_expression_csv(driven));
        CHECK(per_video_csv(direct) == per_video_csv(driven));
        for (size_t e = 0; e < direct.expressions.size(); ++e) {
            CHECK(direct.expressions[e].j == driven.expressions[e].j);
            CHECK(direct.expressions[e].f == driven.expressions[e].f);
            CHECK(direct.expressions[e].negative_pixels_per_frame == driven.expressions[e].negative_pixels_per_frame);
        }
        CHECK(driven.summary.missing_negative_frames == (allow_missing ? 1 : 0));
        CHECK(driven.summary.missing_positive_frames == (allow_missing ? 1 : 0));
    }
}

// The frame-list rule shared with build-dataset and verify-dataset (tests/test_builder.cpp).
TEST_CASE("eval: a duplicated frame in the ground truth or the pairs is refused, naming file, video and frame") {
    TempDir dir;
    const HandTree t = make_hand_tree(dir);
    SUBCASE("ground truth") {
        MetaExpressions meta = read_meta_expressions(t.gt / "meta_expressions.json");
        meta.videos[0].frames = {"00000", "00005", "00005"};
        write_meta_expressions(t.gt / "meta_expressions.json", meta);
        CHECK_THROWS_WITH_AS(load_eval_input({t.pred, t.gt, "valid", "", false}),
                             ((t.gt / "meta_expressions.json").string() + ": video 'va' frames: duplicate frame '00005'").c_str(),
                             FileError);
    }
    SUBCASE("pairs") {
        R2Pairs pairs = read_r2_pairs(t.pairs);
        pairs.pairs[2].positive_frames = {"00000", "00000"};
        write_r2_pairs(t.pairs, pairs);
        CHECK_THROWS_WITH_AS(load_eval_input({t.pred, "", "valid", t.pairs, false}),
                             (t.pairs.string() + ": pairs[2]: video 'vb' positive_frames: duplicate frame '00000'").c_str(),
                             FileError);
    }
}
