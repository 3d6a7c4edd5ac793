// Parity with davis2017-evaluation on a Ref-DAVIS17 tree of four annotators, both tasks:
// tests/fixtures/ref_davis/expected.json holds what DAVISEvaluation gives on the committed masks
// (made by tests/fixtures/make_ref_davis_fixtures.py; see that script for how to rerun it).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "metrics/davis_protocol.h"
#include "metrics/ref_davis_eval.h"
#include "test_util.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "ref_davis";

static void check_against(const RefDavisEvalResult& got, const nlohmann::json& e) {
    constexpr double kTol = 1e-9;
    for (size_t a = 0; a < 4; ++a) {
        CAPTURE(a);
        const auto& ea = e["annotators"][a];
        const DavisResult& r = got.annotators[a];
        CHECK(std::abs(r.jf - ea["J&F-Mean"].get<double>()) < kTol);
        CHECK(std::abs(r.j.mean - ea["J-Mean"].get<double>()) < kTol);
        CHECK(std::abs(r.j.recall - ea["J-Recall"].get<double>()) < kTol);
        CHECK(std::abs(r.j.decay - ea["J-Decay"].get<double>()) < kTol);
        CHECK(std::abs(r.f.mean - ea["F-Mean"].get<double>()) < kTol);
        CHECK(std::abs(r.f.recall - ea["F-Recall"].get<double>()) < kTol);
        CHECK(std::abs(r.f.decay - ea["F-Decay"].get<double>()) < kTol);
        // The reference's per-object table, row for row (<video>_<index>).
        REQUIRE(r.objects.size() == ea["J_per_object"].size());
        for (const auto& o : r.objects) {
            const std::string name = o.video + "_" + std::to_string(o.index);
            CAPTURE(name);
            REQUIRE(ea["J_per_object"].contains(name));
            CHECK(std::abs(o.j_stats.mean - ea["J_per_object"][name].get<double>()) < kTol);
            CHECK(std::abs(o.f_stats.mean - ea["F_per_object"][name].get<double>()) < kTol);
        }
    }
    CHECK(std::abs(got.j - e["J"].get<double>()) < kTol);
    CHECK(std::abs(got.f - e["F"].get<double>()) < kTol);
    CHECK(std::abs(got.jf - e["J&F"].get<double>()) < kTol);
}

TEST_CASE("Ref-DAVIS17: both DAVIS tasks equal davis2017-evaluation, per annotator and averaged") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    for (const DavisTask task : {DavisTask::unsupervised, DavisTask::semi_supervised}) {
        CAPTURE(davis_task_name(task));
        const RefDavisEvalResult got = evaluate_ref_davis(kDir, "valid", task, kDir / "pred");
        CHECK(got.layout == RefDavisPredictionLayout::referformer);
        check_against(got, expected[davis_task_name(task)]);
    }
    // The tasks really differ on this tree (void pixels, other objects, first/last frames).
    CHECK(expected["unsupervised"]["J"].get<double>() != doctest::Approx(expected["semi-supervised"]["J"].get<double>()));
}

TEST_CASE("Ref-DAVIS17: r2bench's per-expression masks, merged per annotator, score as ReferFormer's palette PNGs") {
    // Split each annotator's palette PNG into one binary mask per expression (exp_id 4 k + a for
    // the k-th object) and score the r2bench layout: the merge must give the same numbers.
    test::TempDir tmp;
    for (int a = 0; a < 4; ++a)
        for (const auto& video_dir : fs::directory_iterator(kDir / "pred/valid" / ("anno_" + std::to_string(a))))
            for (const auto& png : fs::directory_iterator(video_dir.path())) {
                const LabelMap labels = read_label_png(png.path());
                for (int k = 0; k < 3; ++k) {
                    LabelMap mask(labels.width, labels.height);
                    for (size_t i = 0; i < mask.labels.size(); ++i) mask.labels[i] = labels.labels[i] == k + 1 ? 1 : 0;
                    const fs::path out = tmp.path / "Annotations" / video_dir.path().filename() / std::to_string(4 * k + a) /
                                         png.path().filename();
                    fs::create_directories(out.parent_path());
                    write_palette_png(out, mask);
                }
            }
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    const RefDavisEvalResult got = evaluate_ref_davis(kDir, "valid", DavisTask::unsupervised, tmp.path);
    CHECK(got.layout == RefDavisPredictionLayout::r2bench);
    check_against(got, expected["unsupervised"]);
}

TEST_CASE("DAVIS tasks: the reference's refusals") {
    test::TempDir tmp;
    // Semi-supervised: an id above the video's object count.
    fs::copy(kDir / "pred/valid", tmp.path / "pred", fs::copy_options::recursive);
    const fs::path frame = tmp.path / "pred/anno_0/bike/00003.png";
    LabelMap labels = read_label_png(frame);
    labels.at(0, 0) = 3;  // bike has 2 objects in Annotations/
    write_palette_png(frame, labels);
    CHECK_THROWS_WITH_AS(evaluate_ref_davis(kDir, "valid", DavisTask::semi_supervised, tmp.path / "pred"),
                         doctest::Contains("bike: the predictions use id 3, but the sequence has 2 object(s)"), Error);
    // Unsupervised: at most 20 ids.
    labels.at(0, 0) = 21;
    write_palette_png(frame, labels);
    CHECK_THROWS_WITH_AS(evaluate_ref_davis(kDir, "valid", DavisTask::unsupervised, tmp.path / "pred"),
                         doctest::Contains("at most 20 ids"), Error);
    // A missing frame.
    fs::remove(frame);
    CHECK_THROWS_WITH_AS(evaluate_ref_davis(kDir, "valid", DavisTask::unsupervised, tmp.path / "pred"),
                         doctest::Contains("bike: prediction of frame 00003 not found"), Error);
}

TEST_CASE("DAVIS unsupervised: a hand-computed two-object video (matching, padding, void)") {
    // Ground truth: objects 1 and 2 (2x2 squares) and a void pixel; one predicted id, 2, on object 1.
    test::TempDir tmp;
    const fs::path davis = tmp.path / "DAVIS";
    fs::create_directories(davis / "ImageSets/2017");
    write_file_atomically(davis / "ImageSets/2017/val.txt", "v\n");
    fs::create_directories(davis / "Annotations_unsupervised/480p/v");
    fs::create_directories(tmp.path / "pred/v");
    LabelMap gt = test::labels_from_rows({"11..22", "11..22", "......"});
    gt.at(5, 2) = 255;
    write_palette_png(davis / "Annotations_unsupervised/480p/v/00000.png", gt);
    const LabelMap pred = test::labels_from_rows({"22....", "22....", ".....2"});  // the last pixel is void: not counted
    write_palette_png(tmp.path / "pred/v/00000.png", pred);
    const DavisResult r = evaluate_davis(davis, {"v"}, DavisTask::unsupervised, davis_folder_reader(tmp.path / "pred"));
    REQUIRE(r.objects.size() == 2);
    // Row 0 (predicted id 1, absent: an empty mask) and row 1 (id 2); id 2 matches object 1.
    CHECK(r.objects[0].predicted_id == 1);
    CHECK(r.objects[0].gt_object == 2);
    CHECK(r.objects[0].j_stats.mean == 0.0);
    CHECK(r.objects[1].predicted_id == 2);
    CHECK(r.objects[1].gt_object == 1);
    CHECK(r.objects[1].j_stats.mean == 1.0);
    CHECK(r.objects[1].f_stats.mean == 1.0);
    CHECK(r.j.mean == 0.5);
}
