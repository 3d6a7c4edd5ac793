// `r2bench compare`: deltas checked by hand on small eval folders written here, the paired
// bootstrap's determinism, flips, refusals, and the command on real evaluations.
#include <doctest/doctest.h>

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/pairs.h"
#include "core/parallel.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/synth.h"
#include "metrics/evaluation.h"
#include "reports/compare.h"
#include "reports/eval_report.h"
#include "runners/baseline.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Expr {
    std::string video, exp_id, negative_video;
    double j, f;
    int64_t pos, neg;
};

// A minimal eval folder (summary.json, per_expression.csv, per_video.csv) whose numbers follow
// eval's definitions: means over expressions, R = 1 − Σneg/Σpos.
void write_eval_folder(const fs::path& dir, const std::vector<Expr>& rows) {
    std::string pe = "video,exp_id,obj_id,negative_video,frames,J,J_recall,J_decay,F,F_recall,F_decay,J&F,positive_pixels,"
                     "negative_pixels,R,missing_frames,expression\n";
    double j = 0, f = 0;
    int64_t pos = 0, neg = 0;
    std::map<std::string, std::vector<const Expr*>> videos;
    for (const auto& e : rows) {
        pe += fmt::format("{},{},1,{},2,{:.6f},1,0,{:.6f},1,0,{:.6f},{},{},{:.6f},0,the thing {}\n", e.video, e.exp_id, e.negative_video,
                          e.j, e.f, (e.j + e.f) / 2, e.pos, e.neg, 1 - double(e.neg) / double(e.pos), e.exp_id);
        j += e.j, f += e.f, pos += e.pos, neg += e.neg;
        videos[e.video].push_back(&e);
    }
    std::string pv = "video,expressions,J,F,J&F,positive_pixels,negative_pixels,R\n";
    for (const auto& [video, es] : videos) {
        double vj = 0, vf = 0;
        int64_t vp = 0, vn = 0;
        for (const auto* e : es) vj += e->j / double(es.size()), vf += e->f / double(es.size()), vp += e->pos, vn += e->neg;
        pv += fmt::format("{},{},{:.6f},{:.6f},{:.6f},{},{},{:.6f}\n", video, es.size(), vj, vf, (vj + vf) / 2, vp, vn, 1 - double(vn) / double(vp));
    }
    j /= double(rows.size()), f /= double(rows.size());
    const double r = 1 - double(neg) / double(pos);
    const json summary = {{"schema_version", 1},
                          {"metrics", {{"J", j}, {"F", f}, {"J&F", (j + f) / 2}, {"R", r}, {"J&F&R", (j + f + r) / 3}}},
                          {"inputs", json::object()},
                          {"R_per_category", {{"thing", {{"expressions", rows.size()}, {"R", r}}}}}};
    write_file_atomically(dir / "summary.json", summary.dump(2));
    write_file_atomically(dir / "per_expression.csv", pe);
    write_file_atomically(dir / "per_video.csv", pv);
}

// A and B differ in J on one expression (+0.2), and each hallucinates on a negative video where the
// other predicts nothing.
const std::vector<Expr> kA = {{"v0", "0", "v1", 0.5, 0.6, 100, 0}, {"v0", "1", "v1", 0.5, 0.6, 100, 10},
                              {"v1", "0", "v0", 0.5, 0.6, 100, 0}, {"v1", "1", "v0", 0.5, 0.6, 100, 0}};
const std::vector<Expr> kB = {{"v0", "0", "v1", 0.7, 0.6, 100, 0}, {"v0", "1", "v1", 0.5, 0.6, 100, 0},
                              {"v1", "0", "v0", 0.5, 0.6, 100, 20}, {"v1", "1", "v0", 0.5, 0.6, 100, 0}};

const CompareValue& row(const std::vector<CompareValue>& rows, const std::string& key, const std::string& metric) {
    for (const auto& v : rows)
        if (v.key == key && v.metric == metric) return v;
    FAIL("no row ", key, " ", metric);
    throw;
}

}  // namespace

TEST_CASE("compare: hand-checked deltas, flips and per-video and category rows") {
    TempDir dir;
    write_eval_folder(dir / "a", kA);
    write_eval_folder(dir / "b", kB);
    const CompareResult r = compare_evals(dir / "a", dir / "b");
    REQUIRE(r.summary.size() == 5);
    // J: 0.5 → 0.55 (one of four expressions +0.2); F unchanged; R: 1 − 10/400 = 0.975 → 1 − 20/400 = 0.95.
    CHECK(*row(r.summary, "", "J").delta() == doctest::Approx(0.05));
    CHECK(*row(r.summary, "", "F").delta() == doctest::Approx(0.0));
    CHECK(*row(r.summary, "", "J&F").delta() == doctest::Approx(0.025));
    CHECK(*row(r.summary, "", "R").a == doctest::Approx(0.975));
    CHECK(*row(r.summary, "", "R").delta() == doctest::Approx(-0.025));
    CHECK(*row(r.summary, "", "J&F&R").delta() == doctest::Approx((0.55 + 0.6 + 0.95) / 3 - (0.5 + 0.6 + 0.975) / 3));
    // A resample's ΔJ is 0.05 × (times expression v0/0 was drawn), Binomial(4, 1/4): P(0) = 32 %, P(≤ 2) = 95 %,
    // P(≤ 3) = 99.6 %, so the 95 % interval is [0, 0.15]. F never changes: [0, 0].
    CHECK(*row(r.summary, "", "J").low == doctest::Approx(0.0));
    CHECK(*row(r.summary, "", "J").high == doctest::Approx(0.15));
    CHECK(*row(r.summary, "", "F").high == doctest::Approx(0.0));
    for (const auto& v : r.summary) {
        CAPTURE(v.metric);
        REQUIRE(v.low);
        CHECK(*v.low <= *v.delta() + 1e-9);
        CHECK(*v.delta() <= *v.high + 1e-9);
    }
    // Per video: v0 J&F 0.55 → 0.6, R 1 − 10/200 → 1; v1 J&F unchanged, R 1 → 1 − 20/200.
    CHECK(r.videos.front().key == "v0");
    CHECK(*row(r.videos, "v0", "J&F").delta() == doctest::Approx(0.05));
    CHECK(*row(r.videos, "v0", "R").delta() == doctest::Approx(0.05));
    CHECK(*row(r.videos, "v1", "R").delta() == doctest::Approx(-0.1));
    CHECK(*row(r.categories, "thing", "R").delta() == doctest::Approx(-0.025));
    CHECK(r.expressions_jf.front().key == "v0/0");
    CHECK(*r.expressions_jf.front().delta() == doctest::Approx(0.1));
    // The flips: v0/1 hallucinated in A only, v1/0 in B only.
    REQUIRE(r.flips.size() == 2);
    CHECK(r.flips[0].video == "v0");
    CHECK(r.flips[0].exp_id == "1");
    CHECK(r.flips[0].hallucinated_in_a());
    CHECK(r.flips[1].video == "v1");
    CHECK_FALSE(r.flips[1].hallucinated_in_a());
    CHECK(r.flips[1].negative_pixels_b == 20);

    const std::string csv = compare_csv(r);
    CHECK(csv.rfind("level,key,metric,a,b,delta,ci_low,ci_high,note\n", 0) == 0);
    CHECK(csv.find("\nsummary,,J,0.500000,0.550000,0.050000,0.000000,0.150000,\n") != std::string::npos);
    CHECK(csv.find("\nvideo,v1,R,1.000000,0.900000,-0.100000,,,\n") != std::string::npos);
    CHECK(csv.find("\nflip,v1/0,negative_pixels,0,20,20,,,\"hallucinated in B on v0, empty in A\"\n") != std::string::npos);
    const std::string table = compare_table(r);
    CHECK(table.find("flips: 1 expression hallucinated in A and empty in B, 1 the other way") != std::string::npos);
    const std::string html = compare_html(r);
    CHECK(html.find("hallucinated in A, empty in B") != std::string::npos);
    CHECK(html.find("<p>1 hallucinated in A and empty in B, 1 empty in A and hallucinated in B.</p>") != std::string::npos);
    CHECK(html.find("Thumbnails left out") != std::string::npos);  // these folders name no predictions
    // Many flips: the page shows the 25 with the most foreground first, the CSV all of them.
    CompareResult many = r;
    many.flips.clear();
    for (int i = 0; i < 30; ++i) many.flips.push_back({"v" + std::to_string(i), "0", "w", "x", i % 2 ? 0 : 100 + i, i % 2 ? 100 + i : 0});
    const std::string page = compare_html(many);
    CHECK(page.find("The 25 with the most foreground on the negative video; compare.csv lists all.") != std::string::npos);
    CHECK(page.find(">v29/0<") < page.find(">v28/0<"));  // 129 px before 128 px
    CHECK(page.find(">v4/0<") == std::string::npos);    // the 5 smallest are left to the CSV
    CHECK(page.find(">v5/0<") != std::string::npos);
    const std::string many_csv = compare_csv(many);
    size_t rows = 0;
    for (size_t at = many_csv.find("\nflip,"); at != std::string::npos; at = many_csv.find("\nflip,", at + 1)) ++rows;
    CHECK(rows == 30);
}

TEST_CASE("compare: the bootstrap is fixed by the seed, whatever the number of threads") {
    // 40 expressions whose J changes by 0 to 6 points and whose false alarms vary: intervals that
    // move with the resamples drawn.
    std::vector<Expr> a, b;
    for (int i = 0; i < 40; ++i) {
        const std::string video = fmt::format("v{}", i / 4), negative = fmt::format("v{}", (i / 4 + 1) % 10);
        a.push_back({video, std::to_string(i % 4), negative, 0.3 + 0.01 * i, 0.5, 100 + i, int64_t(i % 3)});
        b.push_back({video, std::to_string(i % 4), negative, 0.3 + 0.01 * i + 0.01 * (i % 7), 0.5, 100 + i, int64_t(i % 5)});
    }
    TempDir dir;
    write_eval_folder(dir / "a", a);
    write_eval_folder(dir / "b", b);
    CompareOptions o;
    o.seed = 7;
    set_thread_count(1);
    const std::string one = compare_csv(compare_evals(dir / "a", dir / "b", o));
    set_thread_count(0);
    const CompareResult seven = compare_evals(dir / "a", dir / "b", o);
    CHECK(one == compare_csv(seven));
    // Another seed draws other resamples: the intervals' ends move, and still hold the observed delta.
    o.seed = 8;
    const CompareResult eight = compare_evals(dir / "a", dir / "b", o);
    CHECK(*row(eight.summary, "", "J").low != *row(seven.summary, "", "J").low);
    for (const auto* r : {&seven, &eight})
        for (const auto& v : r->summary) {
            CAPTURE(v.metric);
            if (v.metric == "F") {  // F is the same in both runs: every resample's ΔF is 0
                CHECK((*v.low == 0.0 && *v.high == 0.0));
                continue;
            }
            CHECK(*v.low < *v.delta());
            CHECK(*v.delta() < *v.high);
        }
    // ΔJ is the mean of 0.01 × (i mod 7): 0.02875; the interval is a few tenths of a point wide around it.
    CHECK(*row(seven.summary, "", "J").delta() == doctest::Approx(0.02875));
    CHECK(*row(seven.summary, "", "J").low > 0.015);
    CHECK(*row(seven.summary, "", "J").high < 0.042);
}

TEST_CASE("compare: identical runs give zero deltas and no flips") {
    TempDir dir;
    write_eval_folder(dir / "a", kB);
    fs::copy(dir / "a", dir / "copy", fs::copy_options::recursive);
    const CompareResult r = compare_evals(dir / "a", dir / "copy");
    for (const auto* rows : {&r.summary, &r.videos, &r.categories, &r.expressions_jf})
        for (const auto& v : *rows) {
            CAPTURE(v.key + " " + v.metric);
            REQUIRE(v.delta());
            CHECK(*v.delta() == 0.0);
        }
    for (const auto& v : r.summary) CHECK((*v.low == 0.0 && *v.high == 0.0));
    CHECK(r.flips.empty());
    CHECK(compare_table(r).find("flips: 0 expressions hallucinated in A and empty in B, 0 the other way") != std::string::npos);
}

TEST_CASE("compare: evaluations of different pairs are refused in one line") {
    TempDir dir;
    write_eval_folder(dir / "a", kA);
    std::vector<Expr> other = kA;
    other[3].negative_video = "v2";
    write_eval_folder(dir / "b", other);
    try {
        compare_evals(dir / "a", dir / "b");
        FAIL("different pairs were compared");
    } catch (const Error& e) {
        const std::string what = e.what();
        CHECK(what.find("different pairs") != std::string::npos);
        CHECK(what.find("v1/1 (object 1, negative video v0) is only in") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
    }
    std::vector<Expr> fewer(kA.begin(), kA.begin() + 3);
    write_eval_folder(dir / "c", fewer);
    CHECK_THROWS_WITH_AS(compare_evals(dir / "a", dir / "c"), doctest::Contains("4 expressions and 3 expressions"), Error);
    CHECK_THROWS_WITH_AS(compare_evals(dir / "a", dir / "none"), doctest::Contains("no summary.json"), FileError);
}

namespace {

// synth tiny → R² pairs → the noisy oracle and the oracle, each evaluated.
struct RealRuns {
    TempDir dir;
    fs::path gt, pairs;
    RealRuns() {
        gt = dir / "synth", pairs = dir / "r2/r2_pairs.json";
        synth::write_synth_dataset(gt, synth::synth_preset("tiny"));
        const SourceTree source = read_source_tree(gt, SourceFormat::ref_youtube_vos, "valid");
        write_r2(dir / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);
        run_baseline(gt, "valid", pairs, dir / "noisy", BaselineOptions{});
        run_baseline(gt, "valid", pairs, dir / "oracle", BaselineOptions{"oracle", 0, 0});
        eval(dir / "noisy", gt, dir / "eval/noisy");
        eval(dir / "oracle", gt, dir / "eval/oracle");
    }
    EvalResult eval(const fs::path& pred, const fs::path& truth, const fs::path& out) const {
        EvalPaths p;
        p.predictions = pred, p.gt = truth, p.pairs = pairs;
        const EvalInput input = load_eval_input(p);
        const EvalResult r = evaluate(input);
        write_eval_report(out, r, input);
        return r;
    }
};

}  // namespace

TEST_CASE("compare: real evaluations, thumbnails, a changed ground truth refused, and the command") {
    RealRuns runs;
    const CompareResult r = compare_evals(runs.dir / "eval/noisy", runs.dir / "eval/oracle");
    const json a = json::parse(read_file(runs.dir / "eval/noisy/summary.json"));
    const json b = json::parse(read_file(runs.dir / "eval/oracle/summary.json"));
    CHECK(*row(r.summary, "", "J&F").delta() == doctest::Approx(b["metrics"]["J&F"].get<double>() - a["metrics"]["J&F"].get<double>()));
    CHECK(*row(r.summary, "", "R").b == 1.0);
    // The oracle predicts nothing on negative videos: every false alarm of the noisy one is a flip.
    size_t alarms = 0;
    for (const auto& e : read_eval_scores(runs.dir / "eval/noisy").expressions) alarms += e.negative_pixels > 0;
    REQUIRE(alarms > 0);
    CHECK(r.flips.size() == alarms);
    for (const auto& f : r.flips) CHECK(f.hallucinated_in_a());
    const std::string html = compare_html(r);
    CHECK(html.find("data:image/png;base64,") != std::string::npos);
    CHECK(html.find("Thumbnails left out") == std::string::npos);
    // Moved predictions: the numbers stand, the page says why the pictures are missing.
    CompareResult moved = r;
    moved.predictions_b = runs.dir / "gone";
    CHECK(compare_html(moved).find("Thumbnails left out: the predictions") != std::string::npos);

    // The same pairs scored against an edited copy of the ground truth (same folder name, as the
    // pairs record it): not comparable.
    const fs::path edited = runs.dir / "edited/synth";
    fs::create_directories(edited);
    fs::copy(runs.gt, edited, fs::copy_options::recursive);
    fs::path first_png;
    for (const auto& e : fs::recursive_directory_iterator(edited / "valid/Annotations"))
        if (e.path().extension() == ".png") { first_png = e.path(); break; }
    LabelMap labels = read_label_png(first_png);
    labels.at(0, 0) = labels.at(0, 0) == 0 ? 1 : 0;
    write_palette_png(first_png, labels);
    runs.eval(runs.dir / "oracle", edited, runs.dir / "eval/edited");
    CHECK_THROWS_WITH_AS(compare_evals(runs.dir / "eval/noisy", runs.dir / "eval/edited"),
                         doctest::Contains("different ground-truth annotations"), Error);

    // The command: the files, the same bytes for the same seed on 1 and 2 threads, exit 2 and an
    // untouched --out for a refused pair.
    const std::string bin = R2BENCH_BINARY;
    const std::string ea = (runs.dir / "eval/noisy").string(), eb = (runs.dir / "eval/oracle").string();
    std::string out;
    REQUIRE_MESSAGE(run_command(fmt::format("{} --quiet --threads 1 compare {} {} --out {} --seed 3", bin, ea, eb, (runs.dir / "c1").string()), &out) == 0, out);
    CHECK(out.find("wrote ") != std::string::npos);
    REQUIRE(run_command(fmt::format("{} --quiet --threads 2 compare {} {} --out {} --seed 3", bin, ea, eb, (runs.dir / "c2").string()), &out) == 0);
    CHECK(read_file(runs.dir / "c1/compare.csv") == read_file(runs.dir / "c2/compare.csv"));
    CHECK(read_file(runs.dir / "c1/compare.html").size() > 1000);
    const auto before = r2::test::tree_snapshot(runs.dir / "c1");
    CHECK(run_command(fmt::format("{} compare {} {} --out {}", bin, ea, (runs.dir / "eval/edited").string(), (runs.dir / "c1").string()),
                      &out) == 2);
    CHECK(out.find("r2bench: error: ") != std::string::npos);
    CHECK(out.find("different ground-truth annotations") != std::string::npos);
    CHECK(r2::test::tree_snapshot(runs.dir / "c1") == before);
}
