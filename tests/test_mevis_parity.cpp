// MeViS: COCO RLE decoding against pycocotools' maskApi.c, and J, F, J&F against MeViS' own
// tools/eval_mevis.py on tests/fixtures/mevis (made by tests/fixtures/make_mevis_fixtures.py; see
// that script for how to rerun it).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/coco_rle.h"
#include "core/dataset_layout.h"
#include "core/mevis.h"
#include "dataset_builder/synth.h"
#include "metrics/evaluation.h"
#include "metrics/ref_davis_eval.h"
#include "reports/mask_view.h"
#include "runners/baseline.h"
#include "test_util.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "mevis";

TEST_CASE("COCO RLE: strings decode as pycocotools decodes them, and encode back to the same string") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    REQUIRE(expected["rle_cases"].size() >= 5);
    for (const auto& c : expected["rle_cases"]) {
        CAPTURE(c["name"].get<std::string>());
        const CocoRle rle = parse_coco_rle(c["rle"], "case");
        const LabelMap mask = decode_coco_rle(rle);
        std::vector<int64_t> foreground;
        for (size_t i = 0; i < mask.labels.size(); ++i)
            if (mask.labels[i]) foreground.push_back(int64_t(i));
        CHECK(foreground == c["foreground"].get<std::vector<int64_t>>());
        CHECK(encode_rle_string(rle.counts) == c["rle"]["counts"].get<std::string>());
        CHECK(coco_rle_json(encode_coco_rle(mask)) == c["rle"]);
        // The uncompressed form (a list of run lengths) is the same mask.
        const nlohmann::json list{{"size", c["rle"]["size"]}, {"counts", rle.counts}};
        CHECK(decode_coco_rle(parse_coco_rle(list, "list")) == mask);
    }
}

TEST_CASE("COCO RLE: hand-made strings, delta coding and malformed input") {
    // 2x3 mask, column-major runs [1, 2, 3]: pixel (0,0) background, then (1,0),(0,1) foreground.
    CHECK(decode_rle_string("123") == std::vector<uint32_t>{1, 2, 3});
    const LabelMap m = decode_coco_rle(parse_coco_rle(nlohmann::json{{"size", {2, 3}}, {"counts", "123"}}, "m"));
    CHECK(m.labels == std::vector<uint8_t>{0, 1, 0, 1, 0, 0});
    // From the fourth number on, counts are differences to the number two back: 5, 1, 5, 1 → "5151" + deltas.
    const std::vector<uint32_t> runs{5, 1, 5, 1, 7, 100};
    CHECK(decode_rle_string(encode_rle_string(runs)) == runs);
    CHECK(encode_rle_string({5, 1, 5, 1}) == "5150");  // the fourth: 1 - 1 = 0
    CHECK_THROWS_WITH_AS(decode_rle_string("1p"), doctest::Contains("is not one of '0'..'o'"), Error);
    CHECK_THROWS_WITH_AS(decode_rle_string("1P"), doctest::Contains("cut off"), Error);  // 'P' = 32: "more follows"
    CHECK_THROWS_WITH_AS(parse_coco_rle(nlohmann::json{{"size", {2, 3}}, {"counts", "12"}}, "m"),
                         doctest::Contains("the runs cover 3 pixels"), Error);
    CHECK_THROWS_WITH_AS(parse_coco_rle(nlohmann::json{{"size", {2}}, {"counts", "12"}}, "m"), doctest::Contains("[height, width]"), Error);
}

TEST_CASE("MeViS: J, F and J&F equal tools/eval_mevis.py (union of an expression's objects, null frames)") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    CHECK(detect_source_format(kDir) == SourceFormat::mevis);
    EvalPaths paths;
    paths.gt = kDir;
    paths.split = "valid_u";
    paths.predictions = kDir / "pred";  // MeViS' own layout: <video>/<exp_id>/<frame>.png
    const EvalInput input = load_eval_input(paths);
    CHECK(input.gt_format == SourceFormat::mevis);
    const EvalResult result = evaluate(input);
    REQUIRE(result.expressions.size() == expected["per_expression"].size());
    bool multi_object = false;
    for (const auto& r : result.expressions) {
        const std::string name = r.expression.video + "_" + r.expression.exp_id;
        CAPTURE(name);
        multi_object |= r.expression.anno_ids.size() > 1;
        CHECK(std::abs(r.j_stats.mean - expected["per_expression"][name]["J"].get<double>()) < 1e-9);
        CHECK(std::abs(r.f_stats.mean - expected["per_expression"][name]["F"].get<double>()) < 1e-9);
    }
    CHECK(multi_object);
    CHECK(std::abs(result.summary.j.mean - expected["J"].get<double>()) < 1e-9);
    CHECK(std::abs(result.summary.f.mean - expected["F"].get<double>()) < 1e-9);
    CHECK(std::abs(result.summary.jf - expected["J&F"].get<double>()) < 1e-9);
}

TEST_CASE("MeViS: mask_dict.json problems name the file, the anno_id and the frame") {
    CHECK_THROWS_WITH_AS(parse_mevis_mask_dict(R"({"3": [null, {"size": [2, 2], "counts": "5"}]})", "mask_dict.json"),
                         doctest::Contains("anno_id '3' frame 1: the runs cover 5 pixels"), FileError);
    CHECK_THROWS_WITH_AS(parse_mevis_mask_dict(R"({"3": 7})", "mask_dict.json"), doctest::Contains("anno_id '3'"), FileError);
    CHECK_THROWS_AS(parse_mevis_mask_dict("[", "mask_dict.json"), FileError);
    const MevisMaskDict d = parse_mevis_mask_dict(R"({"1": [null, {"size": [1, 2], "counts": [0, 1, 1]}],
                                                      "2": [null, {"size": [1, 2], "counts": [1, 1]}]})", "m");
    CHECK_FALSE(mevis_union_mask(d, {"1", "2"}, 0, "x"));
    CHECK(mevis_union_mask(d, {"1", "2"}, 1, "x")->labels == std::vector<uint8_t>{1, 1});
    CHECK_THROWS_WITH_AS(mevis_union_mask(d, {"9"}, 1, "x"), doctest::Contains("anno_id '9' is not in mask_dict.json"), Error);
}


// The tiny synthetic MeViS tree (seed 3) the tests below read.
static void write_synth_mevis(const fs::path& root) {
    synth::SynthOptions o = synth::synth_preset("tiny");
    o.layout = synth::Layout::mevis;
    o.seed = 3;
    synth::write_synth_dataset(root, o);
}

TEST_CASE("synth --format mevis: RLE masks, multi-object expressions; the oracle scores J = F = 1 through them") {
    test::TempDir tmp;
    write_synth_mevis(tmp / "mevis");
    CHECK(detect_source_format(tmp / "mevis") == SourceFormat::mevis);
    CHECK(fs::exists(tmp / "mevis/valid_u/mask_dict.json"));
    CHECK(fs::exists(tmp / "mevis/train/mask_dict.json"));
    const BenchSet set = load_bench_set(tmp / "mevis", "valid_u", "");
    bool multi = false;
    for (const auto& e : set.expressions) multi |= e.anno_ids.size() == 2 && e.text.find(" and ") != std::string::npos;
    CHECK(multi);

    BaselineOptions oracle;
    oracle.model = "oracle";
    run_baseline(tmp / "mevis", "valid_u", "", tmp / "run", oracle);
    EvalPaths paths;
    paths.gt = tmp / "mevis";
    paths.split = "valid_u";
    paths.predictions = tmp / "run";
    const EvalResult r = evaluate(load_eval_input(paths));
    CHECK(r.summary.j.mean == 1.0);
    CHECK(r.summary.f.mean == 1.0);

    // The empty model: J below 1 where objects are visible, so the ground truth is really read.
    oracle.model = "empty";
    run_baseline(tmp / "mevis", "valid_u", "", tmp / "empty", oracle);
    paths.predictions = tmp / "empty";
    CHECK(evaluate(load_eval_input(paths)).summary.j.mean < 0.5);
}

TEST_CASE("report pictures: a MeViS expression's ground truth is the union of its objects, as the oracle drew it") {
    test::TempDir tmp;
    write_synth_mevis(tmp / "mevis");
    BaselineOptions oracle;
    oracle.model = "oracle";
    run_baseline(tmp / "mevis", "valid_u", "", tmp / "run", oracle);
    const BenchSet set = load_bench_set(tmp / "mevis", "valid_u", "");
    // As summary.json names them: no annotations folder, the split's meta_expressions.json.
    const GroundTruthMasks gt("mevis", "", set.gt_expressions_file);
    int frames = 0, two_objects = 0;
    for (const auto& e : set.expressions) {
        for (const auto& frame : e.frames) {
            const cv::Mat drawn = gt.read(e.video, e.exp_id, e.obj_id, frame);
            const cv::Mat oracle_mask = read_mask(tmp / "run/Annotations" / e.video / e.exp_id / (frame + ".png"), {});
            REQUIRE(!oracle_mask.empty());
            if (cv::countNonZero(oracle_mask) == 0) {
                CHECK((drawn.empty() || cv::countNonZero(drawn) == 0));
                continue;
            }
            REQUIRE(drawn.size() == oracle_mask.size());
            CHECK(cv::countNonZero(drawn != oracle_mask) == 0);
            ++frames;
            two_objects += e.anno_ids.size() == 2;
        }
    }
    CHECK(frames > 10);
    CHECK(two_objects > 0);
    CHECK(gt.read("no-such-video", "0", "", set.expressions[0].frames[0]).empty());
    CHECK(gt.read(set.expressions[0].video, set.expressions[0].exp_id, "", "no-such-frame").empty());
    // A MeViS tree that is gone draws nothing and throws nothing.
    CHECK(GroundTruthMasks("mevis", "", tmp / "gone/meta_expressions.json").read(set.expressions[0].video, set.expressions[0].exp_id, "",
                                                                                 set.expressions[0].frames[0]).empty());
}

TEST_CASE("synth --format ref-davis: the oracle's per-expression masks, merged per annotator, score J = F = 1 (unsupervised)") {
    test::TempDir tmp;
    synth::SynthOptions o = synth::synth_preset("tiny");
    o.layout = synth::Layout::ref_davis;
    o.seed = 5;
    synth::write_synth_dataset(tmp / "davis", o);
    CHECK(fs::is_directory(tmp / "davis/DAVIS/Annotations_unsupervised/480p"));
    BaselineOptions oracle;
    oracle.model = "oracle";
    run_baseline(tmp / "davis", "valid", "", tmp / "run", oracle);
    const RefDavisEvalResult r = evaluate_ref_davis(tmp / "davis", "valid", DavisTask::unsupervised, tmp / "run");
    CHECK(r.layout == RefDavisPredictionLayout::r2bench);
    REQUIRE(!r.annotators[0].objects.empty());
    CHECK(r.j == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(r.f == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("CLI: Ref-DAVIS17 and MeViS through synth, build-dataset, run, eval, score and leaderboard") {
    test::TempDir tmp;
    const std::string bin = R2BENCH_BINARY;
    auto sh = [&](const std::string& args) {
        std::string out;
        const int code = test::run_command(bin + " " + args, &out);
        INFO(args, "\n", out);
        REQUIRE(code == 0);
        return out;
    };
    const std::string d = tmp.path.string();
    // Ref-DAVIS17: eval's J and F (DAVIS protocol) reach summary.json, score and the leaderboard.
    sh(fmt::format("synth --format ref-davis --preset tiny --seed 1 --out {}/rd", d));
    sh(fmt::format("build-dataset --source {0}/rd --seed 0 --out {0}/rd_r2", d));
    sh(fmt::format("run --model noisy-oracle --source {0}/rd --pairs {0}/rd_r2/r2_pairs.json --out {0}/rd_runs/oracle", d));
    const std::string printed = sh(fmt::format(
        "eval --pred {0}/rd_runs/oracle --source {0}/rd --pairs {0}/rd_r2/r2_pairs.json --out {0}/rd_eval --report", d));
    CHECK(printed.find("DAVIS unsupervised task") != std::string::npos);
    const auto davis = nlohmann::json::parse(read_file(tmp.path / "rd_eval/davis_summary.json"));
    const auto summary = nlohmann::json::parse(read_file(tmp.path / "rd_eval/summary.json"));
    CHECK(davis["protocol"]["davis_task"] == "unsupervised");
    CHECK(summary["metrics"]["J"].get<double>() == davis["J"].get<double>());
    CHECK(summary["metrics"]["R"].is_number());
    CHECK(fs::exists(tmp.path / "rd_eval/report.html"));
    for (const auto& note : summary["notes"]) CHECK(note.get<std::string>().find("J and F were not computed") == std::string::npos);
    // score prints the protocol's table as eval does (one row per annotator and the mean), not a
    // table of n/a J and F.
    const std::string scored_printed = sh(fmt::format(
        "score {0}/rd_runs/oracle --source {0}/rd --pairs {0}/rd_r2/r2_pairs.json --out {0}/rd_score", d));
    const auto mean_row = [](const std::string& text) {
        const size_t at = text.find("mean of the 4");
        return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
    };
    CHECK(scored_printed.find("DAVIS unsupervised task") != std::string::npos);
    CHECK(!mean_row(scored_printed).empty());
    CHECK(mean_row(scored_printed) == mean_row(printed));
    CHECK(scored_printed.find("n/a") == std::string::npos);
    CHECK(fs::exists(tmp.path / "rd_score/davis_summary.json"));
    const auto score_summary = nlohmann::json::parse(read_file(tmp.path / "rd_score/summary.json"));
    CHECK(score_summary["metrics"]["J&F&R"].get<double>() == summary["metrics"]["J&F&R"].get<double>());
    sh(fmt::format("leaderboard {0}/rd_runs --source {0}/rd --pairs {0}/rd_r2/r2_pairs.json --out {0}/rd_board", d));
    const auto scored = nlohmann::json::parse(read_file(tmp.path / "rd_board/submissions/oracle/summary.json"));
    CHECK(scored["metrics"]["J&F"].get<double>() == summary["metrics"]["J&F"].get<double>());

    // MeViS: split valid_u recorded in the pairs; eval says the format it found.
    sh(fmt::format("synth --format mevis --preset tiny --seed 1 --out {}/mv", d));
    sh(fmt::format("build-dataset --source {0}/mv --split valid_u --seed 0 --out {0}/mv_r2", d));
    sh(fmt::format("run --model noisy-oracle --source {0}/mv --pairs {0}/mv_r2/r2_pairs.json --out {0}/mv_runs/oracle", d));
    std::string out;
    REQUIRE(test::run_command(fmt::format("{0} eval --pred {1}/mv_runs/oracle --source {1}/mv --pairs {1}/mv_r2/r2_pairs.json "
                                          "--out {1}/mv_eval", bin, d), &out) == 0);
    CHECK(out.find("format: mevis (recorded in r2_pairs.json)") != std::string::npos);
    const auto mv = nlohmann::json::parse(read_file(tmp.path / "mv_eval/summary.json"));
    CHECK(mv["metrics"]["J"].get<double>() > 0.3);
    CHECK(mv["inputs"]["ground_truth_format"] == "mevis");
    sh(fmt::format("leaderboard {0}/mv_runs --source {0}/mv --pairs {0}/mv_r2/r2_pairs.json --out {0}/mv_board", d));

    // A root of no known layout: one line naming what was looked for.
    fs::create_directories(tmp.path / "nothing");
    REQUIRE(test::run_command(fmt::format("{0} eval --pred {1}/mv_runs/oracle --source {1}/nothing --out {1}/x", bin, d), &out) != 0);
    CHECK(out.find("not a ground-truth tree") != std::string::npos);
}
